/** @module Launches Chartly processes from source as real child processes, keeping their logs. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { stopChild } from "./nats-server.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Launched {
  name: string;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  output(): string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs an entry point (relative to the repository root): a TypeScript one under tsx, with the
 * workspace packages' sources; a JavaScript one (say `services/gateway/dist/main.js`, the
 * compiled output that images run) with plain Node, as deployed. Extra Node options for every
 * launched process (say `--cpu-prof --cpu-prof-dir=/tmp/profiles` to profile a benchmark's
 * services) come from `CHARTLY_LAUNCH_NODE_ARGS`, split on spaces.
 */
export function launch(name: string, entry: string, env: Record<string, string>): Launched {
  const extra = (process.env.CHARTLY_LAUNCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const fromSource = entry.endsWith(".ts");
  const child = spawn(
    process.execPath,
    fromSource ? [...extra, "--conditions=@chartly/source", "--import", "tsx", entry] : [...extra, entry],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    name,
    child,
    output: () => output,
    exited,
    stop: (signal = "SIGTERM") =>
      stopChild(
        child,
        exited.then(() => undefined),
        signal,
      ),
  };
}
