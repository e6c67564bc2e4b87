/** @module The audit log in Postgres: every write through the API, who did it and how it ended. */
import type { Sql } from "postgres";

export interface AuditEntry {
  tenant: string;
  principal: string;
  action: string;
  method: string;
  target: string;
  status: number;
  requestId: string;
  ip: string | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  at: string;
}

export interface AuditQuery {
  limit: number;
  offset: number;
  principal?: string | undefined;
  action?: string | undefined;
  since?: string | undefined;
}

interface Row {
  id: string;
  at: Date;
  tenant_id: string;
  principal: string;
  action: string;
  method: string;
  target: string;
  status: number;
  request_id: string;
  ip: string | null;
}

/**
 * Postgres text cannot hold NUL. A refused request whose path, token subject or tenant claim
 * carried one is still recorded, with U+FFFD in its place.
 */
const storable = (text: string) => text.replaceAll("\0", "\uFFFD");

export class AuditLog {
  constructor(private readonly sql: Sql) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.sql`
      insert into audit_log (tenant_id, principal, action, method, target, status, request_id, ip)
      values (${storable(entry.tenant)}, ${storable(entry.principal)}, ${entry.action}, ${entry.method},
              ${storable(entry.target)}, ${entry.status}, ${entry.requestId}, ${entry.ip})`;
  }

  /** The tenant's entries, newest first. */
  async list(tenant: string, query: AuditQuery): Promise<{ items: AuditRecord[]; total: number }> {
    const sql = this.sql;
    const where = sql`
      tenant_id = ${tenant}
      ${query.principal ? sql`and principal = ${query.principal}` : sql``}
      ${query.action ? sql`and action = ${query.action}` : sql``}
      ${query.since ? sql`and at >= ${new Date(query.since)}` : sql``}`;
    const [rows, [count]] = await Promise.all([
      sql<Row[]>`select * from audit_log where ${where} order by at desc, id desc
                 limit ${query.limit} offset ${query.offset}`,
      sql<{ n: string }[]>`select count(*) as n from audit_log where ${where}`,
    ]);
    return {
      total: Number(count?.n ?? 0),
      items: rows.map((row) => ({
        id: Number(row.id),
        at: row.at.toISOString(),
        tenant: row.tenant_id,
        principal: row.principal,
        action: row.action,
        method: row.method,
        target: row.target,
        status: row.status,
        requestId: row.request_id,
        ip: row.ip,
      })),
    };
  }
}
