/**
 * @module Managed API keys in Postgres: created by an admin for their tenant, shown once, kept as
 * the SHA-256 of their secret. Found keys are trusted for `AUTH_API_KEYS_CACHE_SECONDS` before
 * being looked up again, so a revocation reaches other gateway replicas within that time (this
 * replica forgets the key at once). `last_used_at` is written at most once a minute per key.
 */
import { AppError, type Logger } from "@chartly/platform";
import type { Sql } from "postgres";
import type { Role, Verdict } from "./principal.js";
import { generateManagedKey, parseManagedKey, sameDigest, sha256Hex } from "./secrets.js";

export interface ManagedKey {
  id: string;
  tenant: string;
  name: string;
  roles: Role[];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

interface Row {
  id: string;
  tenant_id: string;
  name: string;
  roles: Role[];
  secret_hash: string;
  created_by: string;
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

const TOUCH_EVERY_MS = 60_000;

const toKey = (row: Row): ManagedKey => ({
  id: row.id,
  tenant: row.tenant_id,
  name: row.name,
  roles: row.roles,
  createdBy: row.created_by,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  revokedAt: row.revoked_at?.toISOString() ?? null,
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

export class KeyStore {
  private readonly cache = new Map<string, { row: Row; until: number }>();
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly sql: Sql,
    private readonly logger: Logger,
    private readonly cacheMs = 5_000,
  ) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(input: {
    tenant: string;
    name: string;
    roles: Role[];
    expiresAt?: string | undefined;
    createdBy: string;
  }): Promise<{ key: string; record: ManagedKey }> {
    const { id, key, secretHash } = generateManagedKey();
    const [row] = await this.sql<Row[]>`
      insert into api_keys (id, tenant_id, name, roles, secret_hash, created_by, expires_at)
      values (${id}, ${input.tenant}, ${input.name}, ${input.roles}, ${secretHash}, ${input.createdBy},
              ${input.expiresAt ? new Date(input.expiresAt) : null})
      returning *`;
    return { key, record: toKey(row as Row) };
  }

  async list(tenant: string, options: { includeRevoked: boolean }): Promise<ManagedKey[]> {
    const rows = await this.sql<Row[]>`
      select * from api_keys
      where tenant_id = ${tenant} ${options.includeRevoked ? this.sql`` : this.sql`and revoked_at is null`}
      order by created_at desc, id`;
    return rows.map(toKey);
  }

  /** Revokes a key of the tenant; false when it has none by that id (or it was already revoked). */
  async revoke(tenant: string, id: string): Promise<boolean> {
    const rows = await this.sql`
      update api_keys set revoked_at = now()
      where tenant_id = ${tenant} and id = ${id} and revoked_at is null
      returning id`;
    this.cache.delete(id);
    return rows.length > 0;
  }

  /** Checks a presented key; `undefined` when it is not a managed key that exists. */
  async check(presented: string): Promise<Verdict | undefined> {
    const parsed = parseManagedKey(presented);
    if (!parsed) return undefined;
    const row = await this.find(parsed.id);
    if (!row || !sameDigest(sha256Hex(parsed.secret), row.secret_hash)) return undefined;
    if (row.revoked_at) return { ok: false, reason: "the API key has been revoked" };
    if (row.expires_at && row.expires_at.getTime() <= Date.now()) {
      return { ok: false, reason: "the API key has expired" };
    }
    this.touch(row.id);
    return { ok: true, principal: { id: `key:${row.id}`, tenants: [row.tenant_id], roles: row.roles } };
  }

  private async find(id: string): Promise<Row | undefined> {
    const cached = this.cache.get(id);
    if (cached && cached.until > Date.now()) return cached.row;
    let row: Row | undefined;
    try {
      [row] = await this.sql<Row[]>`select * from api_keys where id = ${id}`;
    } catch (error) {
      // The caller is not at fault: answer 503 so clients retry, not 401 so they give up.
      throw new AppError("unavailable", "API keys cannot be checked right now", undefined, { cause: error });
    }
    if (row) this.cache.set(id, { row, until: Date.now() + this.cacheMs });
    else this.cache.delete(id);
    return row;
  }

  private touch(id: string): void {
    const last = this.touched.get(id) ?? 0;
    if (Date.now() - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, Date.now());
    this.sql`update api_keys set last_used_at = now() where id = ${id}`.then(
      () => {},
      (error: unknown) => this.logger.warn({ err: error, keyId: id }, "cannot record a key's last use"),
    );
  }
}
