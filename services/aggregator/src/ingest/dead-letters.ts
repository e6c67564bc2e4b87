/** @module Rejected record batches kept in Postgres with the reason, for the API to show. */
import type { Sql } from "postgres";
import type { DeadLetter } from "./consumer.js";

export async function keepDeadLetter(sql: Sql, letter: DeadLetter): Promise<void> {
  // Postgres text cannot hold NUL bytes. The tenant is the third token of chartly.records.<tenant>.<profile>.
  const tenant = letter.subject.split(".")[2] ?? null;
  await sql`
    insert into dead_letters (tenant_id, stream, subject, stream_seq, reason, payload)
    values (${tenant}, ${letter.stream}, ${letter.subject}, ${letter.streamSeq}, ${letter.reason},
            ${letter.payload.replaceAll("\u0000", "")})`;
}
