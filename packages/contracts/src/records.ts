/** @module Normalised records and the batches drones publish to `RECORDS`. */
import { z } from "zod";

export const NormalisedRecordSchema = z.object({
  key: z.string(),
  time: z.iso.datetime({ offset: true }),
  dims: z.record(z.string(), z.string()),
  measures: z.record(z.string(), z.number().nullable()),
  attrs: z.record(z.string(), z.unknown()).optional(),
});
export type NormalisedRecord = z.infer<typeof NormalisedRecordSchema>;

export const RecordBatchSchema = z.object({
  tenant: z.string(),
  profileId: z.string(),
  runId: z.string(),
  batch: z.number().int().nonnegative(),
  /** Units per measure, from the profile. */
  units: z.record(z.string(), z.string()).default({}),
  records: z.array(NormalisedRecordSchema),
});
export type RecordBatch = z.infer<typeof RecordBatchSchema>;
