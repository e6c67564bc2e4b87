/**
 * @module Everything one run needs, prepared before the first request: secrets resolved (and
 * registered for masking), credentials, limits, the time limit's abort signal, the HTTP client's
 * dependencies, the compiled record expressions and normaliser, the record sink. Preparation
 * fails as a value (a missing secret, an expression that does not compile).
 */
import type { AuthSpec, Job, RunStats } from "@chartly/contracts";
import { parseDuration } from "@chartly/contracts";
import {
  compileExpressions,
  createNormaliser,
  measureUnits,
  type Normaliser,
  type RecordExpressions,
} from "../engine/index.js";
import { authenticator } from "../source/auth.js";
import type { ClientDeps, RequestEvent } from "../source/client.js";
import type { Clock } from "../source/clock.js";
import { fail, ok, type Result, SourceStop } from "../source/failure.js";
import type { AddressGuard } from "../source/guard.js";
import type { TokenCache } from "../source/oauth2.js";
import { rateLimiter, unlimited } from "../source/rate-limit.js";
import { retryPolicy } from "../source/retry.js";
import { Masker, resolveSecrets, type SecretSource } from "../source/secrets.js";
import { renderJson, secretNames, type VariableValue } from "../source/template.js";
import { CursorTracker } from "./cursor.js";
import { type Limits, limitReached, resolveLimits } from "./limits.js";
import { RecordSink, type SinkDeps } from "./sink.js";

/** Node fires longer timers at once, so very long limits are cut to about 24 days. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Counters kept while running; the run's published `RunStats` is made from them. */
export type RunCounters = Required<Omit<RunStats, "durationMs">>;

export interface RunContext {
  job: Job;
  limits: Limits;
  counters: RunCounters;
  masker: Masker;
  secrets: ReadonlyMap<string, string>;
  /** `cursor`, before any fan-out value is added. */
  vars: Record<string, VariableValue | undefined>;
  signal: AbortSignal;
  client: ClientDeps;
  /** Counts bytes read against `limits.maxBytes`; throws to stop reading. */
  spend(bytes: number): void;
  normalise: Normaliser;
  expressions: RecordExpressions | undefined;
  sink: RecordSink;
  /** The highest incremental cursor among published records, when the profile has one. */
  cursor: CursorTracker | undefined;
  /** Stops the time limit's timer. */
  close(): void;
}

export interface ContextDeps extends Omit<SinkDeps, "maxRecords"> {
  clock: Clock;
  secrets: SecretSource;
  tokens: TokenCache;
  guard: AddressGuard;
  signal?: AbortSignal | undefined;
  cursor?: string | undefined;
  onRequest?: ((event: RequestEvent) => void) | undefined;
  random?: () => number;
}

export async function createRunContext(
  job: Job,
  attempt: number,
  counters: RunCounters,
  deps: ContextDeps,
): Promise<Result<RunContext>> {
  const { source, records } = job.spec;
  const limits = resolveLimits(source.limits);
  const masker = new Masker();

  const secrets = await resolveSecrets(secretNames(source), deps.secrets, masker);
  if (!secrets.ok) return secrets;
  const vars: Record<string, VariableValue | undefined> = { cursor: deps.cursor };

  const expressions = compileExpressions(records);
  if (!expressions.ok) return fail("profile_invalid", expressions.message);

  let auth: AuthSpec | undefined;
  if (source.auth) {
    const rendered = renderJson(source.auth, { vars, secrets: secrets.value });
    if (!rendered.ok) return rendered;
    auth = rendered.value as AuthSpec;
  }

  const stop = new AbortController();
  const timer = setTimeout(
    () => stop.abort(new SourceStop(limitReached.duration(limits))),
    Math.min(limits.maxDurationMs, MAX_TIMER_MS),
  );
  timer.unref?.();
  const signal = deps.signal ? AbortSignal.any([deps.signal, stop.signal]) : stop.signal;
  const exchange = {
    timeoutMs: parseDuration(source.timeout) ?? 30_000,
    timeoutText: source.timeout,
    signal,
    guard: deps.guard,
  };
  const client: ClientDeps = {
    clock: deps.clock,
    limiter: source.rateLimit ? rateLimiter(source.rateLimit.requestsPerSecond, deps.clock) : unlimited,
    retry: retryPolicy(source.retry),
    auth: authenticator(auth, {
      tokens: deps.tokens,
      clock: deps.clock,
      masker,
      exchange,
      onTokenRequest: () => {
        counters.requests++;
      },
    }),
    exchange,
    masker,
    stats: counters,
    onRequest: deps.onRequest,
    ...(deps.random ? { random: deps.random } : {}),
  };

  return ok({
    job,
    limits,
    counters,
    masker,
    secrets: secrets.value,
    vars,
    signal,
    client,
    spend(bytes) {
      counters.bytes += bytes;
      if (counters.bytes > limits.maxBytes) throw new SourceStop(limitReached.bytes(limits));
    },
    normalise: createNormaliser(records),
    expressions: expressions.value,
    sink: new RecordSink(job, attempt, measureUnits(records), {
      publish: deps.publish,
      batchSize: deps.batchSize,
      maxRecords: limits.maxRecords,
    }),
    cursor: job.spec.incremental ? new CursorTracker(job.spec.incremental) : undefined,
    close: () => clearTimeout(timer),
  });
}
