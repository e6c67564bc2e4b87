/**
 * @module The profile's request rate: requests start at least 1/requestsPerSecond apart, retries
 * and fan-out requests included, so a run never bursts past what the source allows.
 */
import type { Clock } from "./clock.js";

export interface RateLimiter {
  /** Resolves when the next request may start. */
  wait(signal?: AbortSignal): Promise<void>;
}

export const unlimited: RateLimiter = { wait: async () => undefined };

export function rateLimiter(requestsPerSecond: number, clock: Clock): RateLimiter {
  const intervalMs = 1_000 / requestsPerSecond;
  let nextAt = Number.NEGATIVE_INFINITY;
  return {
    async wait(signal) {
      const now = clock.now();
      const at = Math.max(now, nextAt);
      nextAt = at + intervalMs;
      if (at > now) await clock.sleep(at - now, signal);
    },
  };
}
