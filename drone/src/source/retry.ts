/**
 * @module When and how long to wait before trying a request again. Pure: the caller owns the
 * clock. Network errors, timeouts, HTTP 408, 429 and 5xx are worth another try; other answers
 * will not change. Waits grow exponentially with jitter (half fixed, half random, so replicas
 * that failed together spread out but every wait still grows); a `Retry-After` from the server
 * replaces the computed wait, unless it asks for longer than the profile accepts.
 */
import { DEFAULT_RETRY, parseDuration, type RetrySpec } from "@chartly/contracts";

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  /** As written, for messages. */
  maxRetryAfter: string;
}

export function retryPolicy(spec: RetrySpec | undefined): RetryPolicy {
  const merged = { ...DEFAULT_RETRY, ...definedOnly(spec ?? {}) };
  return {
    attempts: merged.attempts,
    initialDelayMs: parseDuration(merged.initialDelay) ?? 1_000,
    maxDelayMs: parseDuration(merged.maxDelay) ?? 30_000,
    maxRetryAfterMs: parseDuration(merged.maxRetryAfter) ?? 120_000,
    maxRetryAfter: merged.maxRetryAfter,
  };
}

export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || status >= 500;

/** The wait before retry number `retry` (1 for the first retry). */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Milliseconds a `Retry-After` header asks to wait (delay-seconds or an HTTP-date), if it is valid. */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // IMF-fixdate and the obsolete forms Date.parse also reads; a bare number was handled above.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function definedOnly<T extends object>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}
