/**
 * @module Runs retention periodically on one replica at a time (a session advisory lock), with
 * each profile's `retention` taken from the registry.
 */
import { parseDuration, type StoredProfile } from "@chartly/contracts";
import type { Logger, RpcClient } from "@chartly/platform";
import type { Sql } from "postgres";
import { enforceRetention, type RetentionReport } from "./retention.js";

const LOCK = 7_358_203;
const SYSTEM = { tenant: "", principal: "system:aggregator", requestId: "" };

export async function runRetention(
  sql: Sql,
  rpc: RpcClient,
  defaultRetention: string | undefined,
  logger: Logger,
): Promise<RetentionReport | undefined> {
  const profiles = await rpc.call<StoredProfile[]>("registry", "profiles.all", {}, SYSTEM);
  const policies = profiles.map((p) => ({
    tenant: p.tenant,
    profileId: p.id,
    retentionMs: p.spec.retention ? parseDuration(p.spec.retention) : undefined,
  }));
  const connection = await sql.reserve();
  try {
    const [lock] = await connection<{ ok: boolean }[]>`select pg_try_advisory_lock(${LOCK}) as ok`;
    if (!lock?.ok) return undefined;
    try {
      const report = await enforceRetention(
        connection as unknown as Sql,
        policies,
        defaultRetention ? parseDuration(defaultRetention) : undefined,
      );
      if (report.droppedPartitions.length > 0 || report.deletedPoints > 0)
        logger.info(report, "retention applied");
      return report;
    } finally {
      await connection`select pg_advisory_unlock(${LOCK})`;
    }
  } finally {
    connection.release();
  }
}
