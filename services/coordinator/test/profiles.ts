/** @module Stored profiles for the coordinator's tests: a valid spec with the parts a test cares about. */
import { ProfileSchema, type StoredProfile } from "@chartly/contracts";

/** A stored profile of tenant `t1`, hourly unless `spec` says otherwise; `spec` fields override the spec's. */
export function storedProfile(
  id: string,
  spec: Record<string, unknown> = {},
  stored: Partial<Omit<StoredProfile, "spec">> = {},
): StoredProfile {
  const enabled = stored.enabled ?? true;
  return {
    id,
    tenant: "t1",
    name: id,
    enabled,
    version: 1,
    digest: "d",
    source: `${id}.yaml`,
    updatedAt: new Date().toISOString(),
    ...stored,
    spec: ProfileSchema.parse({
      id,
      name: id,
      enabled,
      schedule: { every: "1h" },
      source: { url: "https://example.org" },
      records: { time: { field: "t" }, measures: { v: "v" } },
      ...spec,
    }),
  };
}
