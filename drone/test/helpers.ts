/**
 * @module What the source engine tests share: a job built from a partial profile, a publisher that
 * collects batches, and a clock whose waits return at once (recording how long they were).
 */
import { type Job, type ProfileInput, ProfileSchema, type RecordBatch } from "@chartly/contracts";
import type { RunnerDeps } from "../src/runner.js";
import type { Clock } from "../src/source/clock.js";
import { LOOPBACK, outboundGuard } from "../src/source/guard.js";
import type { SecretSource } from "../src/source/secrets.js";

type SourceInput = ProfileInput["source"];
type RecordsInput = ProfileInput["records"];

const DEFAULT_RECORDS: RecordsInput = {
  path: "$.data[*]",
  time: { field: "t", format: "iso" },
  measures: { v: "v" },
};

let runs = 0;

/** A job for a profile with the given source (and records, else `$.data[*]` of `{t, v}` items). */
export function jobFor(source: SourceInput, records: Partial<RecordsInput> = {}): Job {
  runs++;
  return {
    runId: `run-${runs}`,
    tenant: "t1",
    profileId: "test",
    profileVersion: 1,
    slot: "2026-01-01T00:00:00.000Z",
    trigger: "manual",
    spec: ProfileSchema.parse({
      id: "test",
      name: "test",
      schedule: { every: "1h" },
      source,
      records: { ...DEFAULT_RECORDS, ...records },
    }),
  };
}

/** A clock whose sleeps return at once and move its time forward; `sleeps` lists each wait. */
export function instantClock(start = Date.parse("2026-01-01T00:00:00Z")): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      signal?.throwIfAborted();
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** The test sources listen on 127.0.0.1, which a drone reaches only when its allowlist says so. */
export const loopbackGuard = outboundGuard({ allow: LOOPBACK });

export const noSecrets: SecretSource = { get: async () => undefined, describe: () => "set nothing" };

export function secretsOf(values: Record<string, string>): SecretSource {
  return { get: async (name) => values[name], describe: (name) => `set CHARTLY_SECRET_${name}` };
}

/**
 * Runner deps that collect what is published, wait on an instant clock, use no jitter and may
 * reach the loopback test sources.
 */
export function collector(extra: Partial<RunnerDeps> = {}) {
  const batches: { batch: RecordBatch; id: string }[] = [];
  const clock = instantClock();
  const deps: RunnerDeps = {
    batchSize: 1000,
    publish: async (batch, id) => {
      batches.push({ batch, id });
    },
    clock,
    random: () => 0.5,
    secrets: noSecrets,
    guard: loopbackGuard,
    ...extra,
  };
  return {
    deps,
    clock,
    batches,
    records: () => batches.flatMap((b) => b.batch.records),
  };
}

/** `{data: [{t, v}]}` items for hour `from` onwards of 2026-01-01, as a page body. */
export function hours(from: number, count: number): { data: { t: string; v: number }[] } {
  return {
    data: Array.from({ length: count }, (_, i) => ({
      t: new Date(Date.UTC(2026, 0, 1, from + i)).toISOString(),
      v: from + i,
    })),
  };
}
