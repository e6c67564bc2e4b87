/**
 * @module Time as the source engine sees it: the current instant and waiting. Passed in, so tests
 * can check backoff and `Retry-After` delays without sleeping through them.
 */
import { setTimeout as delay } from "node:timers/promises";

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (ms <= 0) {
      signal?.throwIfAborted();
      return;
    }
    await delay(ms, undefined, signal ? { signal } : undefined);
  },
};
