/**
 * @module The profiles' slots: the schedule arithmetic (shared, in the platform) and the run ids
 * derived from a slot.
 */
import { DEFAULT_TENANT } from "@chartly/contracts";

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

/**
 * Run ids are unique across tenants (two tenants may both have a profile `gdp`): the profile id,
 * prefixed with `<tenant>~` outside the default tenant (`~` is in neither a tenant nor a profile
 * id, so no two pairs give the same prefix; default-tenant ids keep their short form).
 */
const owner = (tenant: string, profileId: string): string =>
  tenant === DEFAULT_TENANT ? profileId : `${tenant}~${profileId}`;

/** Run id of a scheduled slot: the same tenant, profile and slot always give the same id. */
export const scheduledRunId = (tenant: string, profileId: string, slot: Date): string =>
  `${owner(tenant, profileId)}@${compact(slot)}`;

/** Run id of a manual trigger: unique per trigger. */
export const manualRunId = (tenant: string, profileId: string, at: Date, nonce: string): string =>
  `${owner(tenant, profileId)}@${compact(at)}-manual-${nonce}`;
