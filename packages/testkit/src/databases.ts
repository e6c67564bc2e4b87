/**
 * @module One database per test: cloned from a migrated template, so tests are isolated and
 * start in milliseconds.
 */
import { randomBytes } from "node:crypto";
import { createDatabase, runMigrations } from "@chartly/db";
import postgres from "postgres";
import { withDatabase } from "./postgres-server.js";

const TEMPLATE = "chartly_template";

/** Creates (or recreates) the migrated template database. */
export async function prepareTemplate(adminUrl: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop database if exists ${TEMPLATE} with (force)`);
    await admin.unsafe(`create database ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  const database = createDatabase(withDatabase(adminUrl, TEMPLATE), { max: 2 });
  try {
    await runMigrations(database);
  } finally {
    await database.close();
  }
}

export interface TestDatabase extends AsyncDisposable {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(adminUrl: string): Promise<TestDatabase> {
  const name = `t_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  const drop = async () => {
    const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await sql.end();
    }
  };
  return { url: withDatabase(adminUrl, name), name, drop, [Symbol.asyncDispose]: drop };
}
