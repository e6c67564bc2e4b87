/** @module Waiting for a dependency with exponential backoff instead of crashing at start-up. */
import type { Logger } from "pino";

export async function retryWithBackoff<T>(
  what: string,
  attempt: () => Promise<T>,
  options: { logger: Logger; initialMs?: number; maxMs?: number; timeoutMs?: number },
): Promise<T> {
  const { logger, initialMs = 250, maxMs = 5_000, timeoutMs = 120_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let wait = initialMs;
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() + wait > deadline) {
        throw new Error(`${what} still unavailable after ${tries} attempts: ${(error as Error).message}`, {
          cause: error,
        });
      }
      logger.warn({ tries, retryInMs: wait, error: (error as Error).message }, `waiting for ${what}`);
      await new Promise((r) => setTimeout(r, wait));
      wait = Math.min(maxMs, wait * 2);
    }
  }
}
