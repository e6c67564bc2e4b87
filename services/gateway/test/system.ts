/**
 * The gateway as a running process over real services: a nats-server, a Postgres database cloned
 * from the migrated template, the chosen services and the gateway itself launched as child
 * processes from source, with the test keys file. For tests that need the HTTP server, real
 * replies from the services, or a process to kill.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  freePort,
  type Launched,
  launch,
  type NatsServer,
  startNatsServer,
  type TestDatabase,
  waitFor,
} from "@chartly/testkit";
import postgres from "postgres";
import { inject } from "vitest";
import { KEYS_FILE } from "./harness.js";

export type ServiceName = "registry" | "coordinator" | "aggregator" | "reporter";

export interface System {
  nats: NatsServer;
  database: TestDatabase;
  sql: postgres.Sql;
  /** The gateway's base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  processes: Map<string, Launched>;
  /** (Re)starts the gateway on the same port and waits until it answers with every service up. */
  startGateway(): Promise<void>;
  /** The last lines every process wrote, for failure messages. */
  logs(): string;
  close(): Promise<void>;
}

export interface SystemOptions {
  services: ServiceName[];
  /** YAML profiles the registry loads, by file name. */
  profiles?: Record<string, string>;
  gatewayEnv?: Record<string, string>;
}

export async function startSystem(options: SystemOptions): Promise<System> {
  const nats = await startNatsServer();
  const database = await createTestDatabase(inject("databaseAdminUrl"));
  const sql = postgres(database.url, { max: 2, onnotice: () => {} });
  const dir = await mkdtemp(join(tmpdir(), "chartly-system-"));
  const profilesDir = join(dir, "profiles");
  await writeFile(join(dir, "keys.json"), JSON.stringify(KEYS_FILE));
  await mkdir(profilesDir);
  for (const [name, text] of Object.entries(options.profiles ?? {})) {
    await writeFile(join(profilesDir, name), text);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // Profiles loaded from files belong to DEFAULT_TENANT: the tenant of the test keys.
  const common = {
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    HTTP_PORT: "0",
    LOG_LEVEL: "warn",
    DEFAULT_TENANT: "acme",
  };
  const processes = new Map<string, Launched>();
  for (const service of options.services) {
    const extra: Record<string, string> = service === "registry" ? { PROFILES_DIR: profilesDir } : {};
    processes.set(service, launch(service, `services/${service}/src/main.ts`, { ...common, ...extra }));
  }
  const logs = () =>
    [...processes.values()].map((p) => `--- ${p.name}\n${p.output().slice(-4000)}`).join("\n");

  const system: System = {
    nats,
    database,
    sql,
    url,
    processes,
    async startGateway() {
      const gateway = launch("gateway", "services/gateway/src/main.ts", {
        ...common,
        LOG_LEVEL: "info",
        HTTP_PORT: String(port),
        AUTH_API_KEYS_FILE: join(dir, "keys.json"),
        ...options.gatewayEnv,
      });
      processes.set("gateway", gateway);
      try {
        await waitFor(
          `the gateway to see ${options.services.join(", ")} up`,
          async () => {
            const response = await fetch(`${url}/health`);
            const body = (await response.json()) as { services: Record<string, { status: string }> };
            return options.services.every((s) => body.services[s]?.status === "ok") ? true : undefined;
          },
          90_000,
          250,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${logs()}`);
      }
    },
    logs,
    async close() {
      await Promise.all([...processes.values()].map((p) => p.stop()));
      await sql.end();
      await database.drop();
      await nats.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return system;
}
