/**
 * @module The clock of recurring forecasts. Every tick, one aggregator replica (the one that gets
 * a transaction-scoped advisory lock; the others skip the tick) finds the enabled specs whose due
 * slot is later than the last one queued, queues a job per series they cover, and records the
 * slot. Jobs are published before the slot is recorded: a crash in between re-publishes on the
 * next tick, and the message id makes that a no-op.
 */
import type { Logger } from "@chartly/platform";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import { publishJobs } from "./queue.js";
import { dueSlot } from "./slots.js";
import { type SpecRow, seriesOfSpec } from "./specs-store.js";

const LOCK = 7_358_205;

/** Queues the due slots of every tenant's specs; answers how many jobs were queued, or undefined when another replica holds the clock. */
export async function scheduleDueForecasts(
  sql: Sql,
  js: JetStreamClient,
  logger: Logger,
  now = Date.now(),
): Promise<number | undefined> {
  return sql.begin(async (tx) => {
    const [lock] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(${LOCK}) as ok`;
    if (!lock?.ok) return undefined;
    const specs = await tx<SpecRow[]>`
      select * from forecast_specs where enabled and schedule is not null`;
    let queued = 0;
    for (const spec of specs) {
      const slot = spec.schedule ? dueSlot(spec.schedule, now) : undefined;
      if (!slot || (spec.last_slot && spec.last_slot.getTime() >= slot.getTime())) continue;
      try {
        // A savepoint per spec: one spec's failing statement must not abort the others' slots.
        queued += await tx.savepoint(async (sp) => {
          const seriesIds = await seriesOfSpec(sp as unknown as Sql, spec);
          await publishJobs(js, spec.tenant_id, spec.id, seriesIds, slot.toISOString(), "schedule");
          await sp`update forecast_specs set last_slot = ${slot.toISOString()}::timestamptz where id = ${spec.id}`;
          return seriesIds.length;
        });
      } catch (error) {
        logger.warn({ err: error, specId: spec.id }, "queuing a forecast slot failed; the next tick retries");
      }
    }
    return queued;
  });
}

export function startForecastClock(
  sql: Sql,
  js: JetStreamClient,
  logger: Logger,
  intervalMs: number,
): { stop(): Promise<void> } {
  let ticking: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    ticking ??= scheduleDueForecasts(sql, js, logger)
      .catch((error) => logger.warn({ err: error }, "the forecast clock could not tick; will retry"))
      .finally(() => {
        ticking = undefined;
      });
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await ticking;
    },
  };
}
