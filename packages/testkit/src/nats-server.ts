/** @module A real nats-server with JetStream on a free port and a temp store, for tests and scripts. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { freePort, waitFor } from "./ports.js";

export interface NatsServer extends AsyncDisposable {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startNatsServer(
  binary = process.env.NATS_SERVER_BIN ?? "nats-server",
): Promise<NatsServer> {
  const dir = await mkdtemp(join(tmpdir(), "chartly-nats-"));
  const port = await freePort();
  const child = spawn(binary, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", (error) => {
    output += `\n${error.message}`;
  });
  const url = `nats://127.0.0.1:${port}`;
  try {
    await waitFor(`nats-server on ${url}`, async () => {
      if (child.exitCode !== null) throw new Error(`nats-server exited: ${output}`);
      const nc = await connect({ servers: url, reconnect: false });
      await nc.close();
      return true;
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  const stop = async () => {
    await stopChild(child, exited);
    await rm(dir, { recursive: true, force: true });
  };
  return { url, port, stop, [Symbol.asyncDispose]: stop };
}

export async function stopChild(
  child: ChildProcess,
  exited: Promise<void>,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
