/**
 * @module A real Postgres cluster in a temp dir on a free port (fsync off: it is thrown away),
 * for tests and scripts. Started as the `postgres` user when running as root, since Postgres
 * refuses to run as root.
 */
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { stopChild } from "./nats-server.js";
import { freePort, waitFor } from "./ports.js";

const run = promisify(execFile);

export function findPostgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  }
  throw new Error("Postgres binaries not found: install the postgresql package or set PG_BIN");
}

export interface PostgresServer extends AsyncDisposable {
  /** URL of the `postgres` database as superuser. */
  url: string;
  port: number;
  /** The postmaster's process id while it runs (its backends are its children). */
  pid(): number | undefined;
  /** Stops the server but keeps its data, as an outage would; `resume()` starts it again. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = findPostgresBin();
  const dir = await mkdtemp(join(tmpdir(), "chartly-pg-"));
  const ids = await runAsIds();
  if (ids) await chown(dir, ids.uid, ids.gid);
  const data = join(dir, "data");
  await run(join(bin, "initdb"), ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
    ...(ids ?? {}),
    env: { ...process.env, LC_ALL: "C" },
  });
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const settings = {
    listen_addresses: "127.0.0.1",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "200",
  };
  const args = ["-D", data, "-p", String(port), "-k", dir];
  for (const [name, value] of Object.entries(settings)) args.push("-c", `${name}=${value}`);

  let running: { child: ReturnType<typeof spawn>; exited: Promise<void> } | undefined;
  const start = async () => {
    const child = spawn(join(bin, "postgres"), args, { stdio: ["ignore", "ignore", "pipe"], ...(ids ?? {}) });
    let output = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    running = { child, exited };
    try {
      await waitFor(`postgres on port ${port}`, async () => {
        if (child.exitCode !== null) throw new Error(`postgres exited: ${output}`);
        const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
        try {
          await sql`select 1`;
          return true;
        } finally {
          await sql.end({ timeout: 1 });
        }
      });
    } catch (error) {
      child.kill("SIGKILL");
      throw new Error(`${(error as Error).message}\n${output}`);
    }
  };
  const halt = async () => {
    if (running) await stopChild(running.child, running.exited, "SIGINT");
    running = undefined;
  };
  await start();
  const stop = async () => {
    await halt();
    await rm(dir, { recursive: true, force: true });
  };
  return {
    url,
    port,
    pid: () => running?.child.pid,
    pause: halt,
    resume: start,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function runAsIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const { stdout: uid } = await run("id", ["-u", "postgres"]);
  const { stdout: gid } = await run("id", ["-g", "postgres"]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Replaces the database name in a URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
