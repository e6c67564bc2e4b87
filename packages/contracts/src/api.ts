/** @module Shapes of RPC requests and replies shared by the gateway and the services. */
import { z } from "zod";

export const PageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `dim.<name>=<value>` query parameters, gathered into one `dims` filter. */
const gatherDims = (input: unknown) => {
  if (typeof input !== "object" || input === null) return input;
  const dims: Record<string, unknown> = { ...((input as { dims?: object }).dims ?? {}) };
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith("dim.") && key.length > 4) dims[key.slice(4)] = value;
    else if (key !== "dims") rest[key] = value;
  }
  return { ...rest, dims };
};

export const SeriesQuerySchema = z.preprocess(
  gatherDims,
  PageQuerySchema.extend({
    profile: z.string().optional(),
    measure: z.string().optional(),
    /** Exact dimension values the series must have. */
    dims: z.record(z.string(), z.string()).default({}),
    /** Free text matched against profile, measure, unit and dimension values. */
    q: z.string().min(1).max(200).optional(),
  }),
);
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
  /** Typical spacing of the latest points (`1h`, `1d`, `1mo`, `1y`, …), when there are enough. */
  frequency: z.string().nullable().optional(),
});
export type Series = z.infer<typeof SeriesSchema>;

export const AGGREGATES = ["avg", "sum", "min", "max", "first", "last", "count"] as const;

/** Bucket widths: fixed (`30s`, `15m`, `1h`, `1d`, `1w`) or calendar (`1mo`, `1q`, `1y`). */
export const INTERVAL_PATTERN = /^(\d+)(s|m|h|d|w)$|^1(mo|q|y)$/;

export const ObservationsQuerySchema = z
  .object({
    seriesId: z.coerce.number().int().positive(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    /** Resample into buckets of this width. */
    interval: z
      .string()
      .regex(INTERVAL_PATTERN, "interval must look like 30s, 15m, 1h, 1d, 1w, 1mo, 1q or 1y")
      .optional(),
    agg: z.enum(AGGREGATES).default("avg"),
    /** Downsample for charts to at most this many points, keeping peaks and troughs. */
    maxPoints: z.coerce.number().int().min(2).max(100_000).optional(),
    limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
  })
  .refine((q) => !(q.interval && q.maxPoints), {
    message: "use either interval or maxPoints, not both",
    path: ["maxPoints"],
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) < Date.parse(q.to), {
    message: "from must be before to",
    path: ["from"],
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
  /** Coordinators: whether this replica holds the leader lease (only the leader schedules). */
  role?: "leader" | "follower";
  /** Coordinators: the instance that holds the leader lease, if any. */
  leader?: string | null;
}

export interface Page<T> {
  items: T[];
  limit: number;
  offset: number;
  total: number;
}
