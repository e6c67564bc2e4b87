/**
 * @module Schedule arithmetic, pure. A profile scheduled `every: X` owns slots aligned to
 * multiples of X since the epoch, shifted by a jitter offset derived from its id, so every
 * coordinator replica (and every restart) computes the same slots.
 */
import { createHash } from "node:crypto";

/** Deterministic offset in [0, jitterMs) for a profile. */
export function jitterOffset(profileId: string, jitterMs: number): number {
  if (jitterMs <= 0) return 0;
  const hash = createHash("sha256").update(profileId).digest();
  return hash.readUInt32BE(0) % jitterMs;
}

/** Start of the slot that contains `now`. */
export function currentSlot(now: number, everyMs: number, offsetMs = 0): Date {
  const shifted = now - offsetMs;
  return new Date(Math.floor(shifted / everyMs) * everyMs + offsetMs);
}

const compact = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}Z$/, "Z");

/** Run id of a scheduled slot: the same profile and slot always give the same id. */
export const scheduledRunId = (profileId: string, slot: Date): string => `${profileId}@${compact(slot)}`;

/** Run id of a manual trigger: unique per trigger. */
export const manualRunId = (profileId: string, at: Date, nonce: string): string =>
  `${profileId}@${compact(at)}-manual-${nonce}`;
