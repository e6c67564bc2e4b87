/** @module Non-numeric records and dead letters, tenant-scoped and paged. */
import type { Sql } from "postgres";
import { z } from "zod";

export const RecordsQuerySchema = z.object({
  profile: z.string().optional(),
  key: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export async function listRecords(sql: Sql, tenant: string, payload: unknown) {
  const query = RecordsQuerySchema.parse(payload);
  const rows = await sql<
    { profile_id: string; key: string; ts: Date; data: unknown; run_id: string | null }[]
  >`
    select profile_id, key, ts, data, run_id from records
    where tenant_id = ${tenant}
      ${query.profile ? sql`and profile_id = ${query.profile}` : sql``}
      ${query.key ? sql`and key = ${query.key}` : sql``}
      ${query.from ? sql`and ts >= ${query.from}::timestamptz` : sql``}
      ${query.to ? sql`and ts < ${query.to}::timestamptz` : sql``}
    order by ts, key limit ${query.limit} offset ${query.offset}`;
  return {
    items: rows.map((r) => ({
      profileId: r.profile_id,
      key: r.key,
      time: r.ts.toISOString(),
      data: r.data,
      runId: r.run_id,
    })),
    limit: query.limit,
    offset: query.offset,
  };
}

export async function listDeadLetters(sql: Sql, tenant: string, payload: unknown) {
  const query = z
    .object({
      limit: z.coerce.number().int().min(1).max(1_000).default(100),
      offset: z.coerce.number().int().min(0).default(0),
    })
    .parse(payload);
  const rows = await sql<
    { id: string; subject: string; stream_seq: string; reason: string; payload: string; received_at: Date }[]
  >`
    select id, subject, stream_seq, reason, payload, received_at from dead_letters
    where tenant_id = ${tenant} order by received_at desc, id desc limit ${query.limit} offset ${query.offset}`;
  return {
    items: rows.map((r) => ({
      id: Number(r.id),
      subject: r.subject,
      streamSeq: Number(r.stream_seq),
      reason: r.reason,
      payload: r.payload,
      receivedAt: r.received_at.toISOString(),
    })),
    limit: query.limit,
    offset: query.offset,
  };
}
