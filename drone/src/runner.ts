/**
 * @module Runs one job: read the source (every fan-out value, every page), pick and normalise
 * records, publish them in batches. Returns the run's outcome as a value; only programming errors
 * throw. A run `succeeded` when it read everything, is `partial` when a limit or a pagination loop
 * stopped it (what it read stands), and `failed` otherwise. Secrets never appear in the outcome.
 */
import type { CursorValue, Job, RecordBatch, RunStats } from "@chartly/contracts";
import { createRunContext, type RunContext, type RunCounters } from "./run/context.js";
import { startCursor } from "./run/cursor.js";
import { fanOutValues } from "./run/fan-out.js";
import { readSequence } from "./run/sequence.js";
import type { RequestEvent } from "./source/client.js";
import { type Clock, systemClock } from "./source/clock.js";
import type { Failure, Result } from "./source/failure.js";
import { type AddressGuard, outboundGuard } from "./source/guard.js";
import { TokenCache } from "./source/oauth2.js";
import { envSecrets, type SecretSource } from "./source/secrets.js";

export interface RunOutcome {
  status: "succeeded" | "partial" | "failed";
  stats: RunStats;
  error?: { code: string; message: string };
  /**
   * The highest incremental cursor among the records published, reported only by a succeeded
   * run: a partial or failed run may have skipped records below it.
   */
  cursor?: CursorValue;
}

export interface RunnerDeps {
  /** Publishes one batch durably; resolves once the stream has it. */
  publish(batch: RecordBatch, messageId: string): Promise<void>;
  batchSize: number;
  signal?: AbortSignal;
  /** Where `${secret:NAME}` values come from; the process environment by default. */
  secrets?: SecretSource;
  /** OAuth2 tokens, shared between runs when the caller keeps one cache (the worker does). */
  tokens?: TokenCache;
  /**
   * What the run may connect to; by default only public addresses over http(s). Pass one guard
   * for many runs (the worker does): it holds the connection pool.
   */
  guard?: AddressGuard;
  clock?: Clock;
  /** Jitter source for retry waits (tests make it fixed). */
  random?: () => number;
  /**
   * Start value of `${cursor}`, overriding the one the job's stored cursor (minus the profile's
   * lookback) or the profile's `incremental.initial` gives.
   */
  cursor?: string;
  /** Told of every HTTP request (URL with secrets masked), for the dry run's report. */
  onRequest?: (event: RequestEvent) => void;
}

export async function runJob(job: Job, attempt: number, deps: RunnerDeps): Promise<RunOutcome> {
  const clock = deps.clock ?? systemClock;
  const started = clock.now();
  const counters: RunCounters = {
    pages: 0,
    bytes: 0,
    recordsOut: 0,
    skipped: {},
    nulls: {},
    requests: 0,
    retries: 0,
    recordsIn: 0,
    pageStops: {},
  };
  const stats = (context?: RunContext): RunStats => ({
    ...counters,
    recordsOut: context?.sink.publishedCount ?? 0,
    durationMs: Math.max(0, Math.round(clock.now() - started)),
  });

  const prepared = await createRunContext(job, attempt, counters, {
    publish: deps.publish,
    batchSize: deps.batchSize,
    clock,
    secrets: deps.secrets ?? envSecrets(),
    tokens: deps.tokens ?? new TokenCache(),
    guard: deps.guard ?? outboundGuard(),
    signal: deps.signal,
    cursor: deps.cursor ?? startCursor(job),
    onRequest: deps.onRequest,
    ...(deps.random ? { random: deps.random } : {}),
  });
  if (!prepared.ok) return finish(prepared.failure, stats());
  const context = prepared.value;
  try {
    const result = await readSource(context);
    // Records read before a stop or a failure are kept: the store is idempotent, and a partial
    // run's data is what it says it is.
    await context.sink.flush();
    return finish(result.ok ? undefined : result.failure, stats(context), context);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    return finish({ code: "extract_failed", message }, stats(context), context);
  } finally {
    context.close();
  }
}

async function readSource(context: RunContext): Promise<Result<void>> {
  const { fanOut } = context.job.spec.source;
  if (!fanOut) return readSequence(context, context.vars);
  const values = await fanOutValues(context, fanOut);
  if (!values.ok) return values;
  for (const value of values.value) {
    const read = await readSequence(context, { ...context.vars, [fanOut.as]: value });
    if (!read.ok) return read;
  }
  return { ok: true, value: undefined };
}

function finish(failure: Failure | undefined, stats: RunStats, context?: RunContext): RunOutcome {
  if (!failure) {
    const cursor = context?.cursor?.value();
    return cursor ? { status: "succeeded", stats, cursor } : { status: "succeeded", stats };
  }
  const message = context ? context.masker.mask(failure.message) : failure.message;
  return { status: failure.partial ? "partial" : "failed", stats, error: { code: failure.code, message } };
}
