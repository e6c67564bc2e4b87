/**
 * @module Sending a request the way a careful client does: at the profile's rate, with
 * credentials, retrying what is worth retrying (network errors, timeouts, 408, 429, 5xx) after an
 * exponential, jittered wait or the server's `Retry-After`, renewing an OAuth2 token once on 401.
 * `read` turns the successful response into a value; a body lost mid-read is retried too when the
 * page is read whole.
 */
import type { Authenticator } from "./auth.js";
import type { Clock } from "./clock.js";
import { describeRequest, type Failure, fail, type Result, SourceStop, snippet } from "./failure.js";
import { type Exchanged, type ExchangeOptions, exchange } from "./http.js";
import type { RateLimiter } from "./rate-limit.js";
import type { RequestPlan } from "./request.js";
import { backoffDelay, isRetryableStatus, parseRetryAfter, type RetryPolicy } from "./retry.js";
import type { Masker } from "./secrets.js";

/** One request as the dry run prints it; the URL has its secrets masked. */
export interface RequestEvent {
  method: string;
  url: string;
  status?: number;
  ms: number;
  attempt: number;
  error?: string;
}

export interface ClientDeps {
  clock: Clock;
  limiter: RateLimiter;
  retry: RetryPolicy;
  auth: Authenticator;
  exchange: ExchangeOptions;
  masker: Masker;
  stats: { requests: number; retries: number };
  onRequest?: ((event: RequestEvent) => void) | undefined;
  random?: () => number;
}

const RETRYABLE_FAILURES = new Set<Failure["code"]>(["source_unreachable", "source_timeout"]);
/** Enough of an error body to say what went wrong. */
const ERROR_BODY_BYTES = 4_096;

export async function send<T>(
  plan: RequestPlan,
  read: (exchanged: Exchanged) => Promise<Result<T>>,
  deps: ClientDeps,
): Promise<Result<T>> {
  const where = describeRequest(plan.method, plan.url);
  const { signal } = deps.exchange;
  let renewed = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.limiter.wait(signal);
    } catch {
      return stopped(signal, where);
    }
    const authed = await deps.auth.apply(plan);
    if (!authed.ok) return authed;
    deps.stats.requests++;
    const started = deps.clock.now();
    const sent = await exchange(authed.value, deps.exchange);
    const report = (status?: number, error?: string) =>
      deps.onRequest?.({
        method: authed.value.method,
        url: deps.masker.mask(authed.value.url.toString()),
        ms: deps.clock.now() - started,
        attempt,
        ...(status === undefined ? {} : { status }),
        ...(error === undefined ? {} : { error: deps.masker.mask(error) }),
      });

    let retryAfterMs: number | undefined;
    let failure: Failure;
    if (!sent.ok) {
      report(undefined, sent.failure.message);
      if (!RETRYABLE_FAILURES.has(sent.failure.code)) return sent;
      failure = sent.failure;
    } else {
      const { response } = sent.value;
      report(response.status);
      if (response.status === 401 && !renewed && deps.auth.renew()) {
        renewed = true;
        await response.body?.cancel().catch(() => undefined);
        attempt--;
        continue;
      }
      if (response.ok) {
        const value = await read(sent.value);
        if (value.ok || !RETRYABLE_FAILURES.has(value.failure.code)) return value;
        failure = value.failure;
      } else {
        const text = await startOf(response);
        const code = response.status === 429 ? "source_rate_limited" : "source_http_error";
        failure = {
          code,
          message: `${where} answered HTTP ${response.status} ${response.statusText}${text ? `: ${snippet(text)}` : ""}`,
        };
        if (!isRetryableStatus(response.status)) return { ok: false, failure };
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), deps.clock.now());
        if (retryAfterMs !== undefined && retryAfterMs > deps.retry.maxRetryAfterMs) {
          return fail(
            "source_rate_limited",
            `${where} answered HTTP ${response.status} and asked to retry after ${Math.ceil(retryAfterMs / 1000)}s, longer than retry.maxRetryAfter (${deps.retry.maxRetryAfter})`,
          );
        }
      }
    }

    if (attempt >= deps.retry.attempts) return { ok: false, failure };
    deps.stats.retries++;
    try {
      await deps.clock.sleep(retryAfterMs ?? backoffDelay(attempt, deps.retry, deps.random), signal);
    } catch {
      return stopped(signal, where);
    }
  }
}

/** The run was stopped while waiting: its time limit (partial) or a shutdown. */
function stopped<T>(signal: AbortSignal, where: string): Result<T> {
  const reason: unknown = signal.reason;
  if (reason instanceof SourceStop) return { ok: false, failure: reason.failure };
  return fail("run_aborted", `${where}: the run was stopped`);
}

async function startOf(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      length += value.byteLength;
    }
  } catch {
    // What arrived is enough for the message.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return new TextDecoder().decode(Buffer.concat(parts).subarray(0, ERROR_BODY_BYTES));
}
