/**
 * @module Profiles in Postgres: every distinct text is a version (by digest); loading the same
 * text again changes nothing, loading an older text again makes that version current.
 */
import type { Profile, StoredProfile } from "@chartly/contracts";
import type { Sql } from "postgres";

export type SaveOutcome = "created" | "updated" | "unchanged";

export async function saveProfile(
  sql: Sql,
  tenant: string,
  input: { profile: Profile; digest: string; yaml: string; sourcePath: string },
): Promise<{ outcome: SaveOutcome; version: number }> {
  const { profile, digest, yaml, sourcePath } = input;
  return sql.begin(async (tx) => {
    // Serialise concurrent loaders (registry replicas) per profile.
    await tx`select pg_advisory_xact_lock(hashtext(${`${tenant}/${profile.id}`}))`;
    const [current] = await tx<{ current_version: number; digest: string; enabled: boolean }[]>`
      select current_version, digest, enabled from profiles where tenant_id = ${tenant} and id = ${profile.id}`;
    if (current && current.digest === digest && current.enabled === profile.enabled) {
      return { outcome: "unchanged" as const, version: current.current_version };
    }
    const [known] = await tx<{ version: number }[]>`
      select version from profile_versions
      where tenant_id = ${tenant} and profile_id = ${profile.id} and digest = ${digest}`;
    let version = known?.version;
    if (version === undefined) {
      const [next] = await tx<{ version: number }[]>`
        select coalesce(max(version), 0) + 1 as version from profile_versions
        where tenant_id = ${tenant} and profile_id = ${profile.id}`;
      version = next?.version ?? 1;
      await tx`
        insert into profile_versions (tenant_id, profile_id, version, digest, yaml, spec)
        values (${tenant}, ${profile.id}, ${version}, ${digest}, ${yaml}, ${tx.json(profile as never)})`;
    }
    await tx`
      insert into profiles (tenant_id, id, name, enabled, current_version, digest, source_path)
      values (${tenant}, ${profile.id}, ${profile.name}, ${profile.enabled}, ${version}, ${digest}, ${sourcePath})
      on conflict (tenant_id, id) do update set
        name = excluded.name, enabled = excluded.enabled, current_version = excluded.current_version,
        digest = excluded.digest, source_path = excluded.source_path, updated_at = now()`;
    return { outcome: current ? ("updated" as const) : ("created" as const), version };
  });
}

/** Disables profiles whose file disappeared; their history stays. */
export async function disableMissing(sql: Sql, tenant: string, presentIds: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    update profiles set enabled = false, updated_at = now()
    where tenant_id = ${tenant} and enabled and source_path is not null
      and not (id = any(${presentIds}::text[]))
    returning id`;
  return rows.map((r) => r.id);
}

interface ProfileRow {
  id: string;
  tenant_id: string;
  name: string;
  enabled: boolean;
  current_version: number;
  digest: string;
  source_path: string | null;
  spec: Profile;
  updated_at: Date;
}

const toStored = (row: ProfileRow): StoredProfile => ({
  id: row.id,
  tenant: row.tenant_id,
  name: row.name,
  enabled: row.enabled,
  version: row.current_version,
  digest: row.digest,
  source: row.source_path ?? "",
  spec: row.spec,
  updatedAt: row.updated_at.toISOString(),
});

/** Profiles of one tenant, or of every tenant when `tenant` is undefined (the scheduler's view). */
export async function listProfiles(sql: Sql, tenant: string | undefined): Promise<StoredProfile[]> {
  const rows = await sql<ProfileRow[]>`
    select p.*, v.spec from profiles p
    join profile_versions v
      on v.tenant_id = p.tenant_id and v.profile_id = p.id and v.version = p.current_version
    ${tenant === undefined ? sql`` : sql`where p.tenant_id = ${tenant}`}
    order by p.tenant_id, p.id`;
  return rows.map(toStored);
}

/**
 * Every tenant's profiles after `after` in (tenant, id) order, at most `limit`: the scheduler
 * reads them page by page, since all at once can outgrow a NATS message.
 */
export async function listProfilesPage(
  sql: Sql,
  after: { tenant: string; id: string } | undefined,
  limit: number,
): Promise<StoredProfile[]> {
  const rows = await sql<ProfileRow[]>`
    select p.*, v.spec from profiles p
    join profile_versions v
      on v.tenant_id = p.tenant_id and v.profile_id = p.id and v.version = p.current_version
    ${after ? sql`where (p.tenant_id, p.id) > (${after.tenant}, ${after.id})` : sql``}
    order by p.tenant_id, p.id
    limit ${limit}`;
  return rows.map(toStored);
}

export async function getProfile(sql: Sql, tenant: string, id: string): Promise<StoredProfile | undefined> {
  const [row] = await sql<ProfileRow[]>`
    select p.*, v.spec from profiles p
    join profile_versions v
      on v.tenant_id = p.tenant_id and v.profile_id = p.id and v.version = p.current_version
    where p.tenant_id = ${tenant} and p.id = ${id}`;
  return row ? toStored(row) : undefined;
}
