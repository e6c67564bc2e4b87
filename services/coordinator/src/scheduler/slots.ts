/**
 * @module The profiles' slots: the schedule arithmetic (shared, in the platform) and the run ids
 * derived from a slot.
 */
export {
  cronOf,
  cronSlot,
  currentSlot,
  dueSlot,
  jitterOffset,
  nextSlot,
  scheduleProblem,
} from "@chartly/platform";

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
