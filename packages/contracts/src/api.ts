/** @module Shapes of RPC requests and replies shared by the gateway and the services. */
import { z } from "zod";

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const SeriesQuerySchema = PageQuerySchema.extend({
  profile: z.string().optional(),
  measure: z.string().optional(),
});
export type SeriesQuery = z.infer<typeof SeriesQuerySchema>;

export const SeriesSchema = z.object({
  id: z.number().int(),
  profileId: z.string(),
  measure: z.string(),
  dims: z.record(z.string(), z.string()),
  unit: z.string().nullable(),
  firstTs: z.string().nullable(),
  lastTs: z.string().nullable(),
  count: z.number().int(),
});
export type Series = z.infer<typeof SeriesSchema>;

export const ObservationsQuerySchema = z.object({
  seriesId: z.coerce.number().int().positive(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
export type ObservationsQuery = z.infer<typeof ObservationsQuerySchema>;

export const ObservationSchema = z.object({ ts: z.string(), value: z.number().nullable() });
export type Observation = z.infer<typeof ObservationSchema>;

export const RunsQuerySchema = PageQuerySchema.extend({
  profile: z.string().optional(),
  status: z.string().optional(),
  since: z.iso.datetime({ offset: true }).optional(),
});
export type RunsQuery = z.infer<typeof RunsQuerySchema>;

export const RunNowSchema = z.object({
  profileId: z.string(),
  /** Re-run a given slot (its data is idempotent); defaults to now. */
  slot: z.iso.datetime({ offset: true }).optional(),
});
export type RunNow = z.infer<typeof RunNowSchema>;

export interface HealthReport {
  service: string;
  instance: string;
  status: "ok" | "degraded";
  version: string;
  uptimeSeconds: number;
  checks: Record<string, { ok: boolean; latencyMs: number; error?: string }>;
}

export interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  total: number;
}
