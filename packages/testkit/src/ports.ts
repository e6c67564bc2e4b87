/** @module Free TCP ports on loopback. */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * A port no one is listening on, for a server that starts later or restarts on the same address.
 * Taken below the kernel's ephemeral range, so neither a `listen(0)` nor the local end of an
 * outgoing connection (thousands in a test run) can take it while it is free, as happens to a
 * port the kernel handed out; chosen at random and never twice in a process, so parallel test
 * files rarely meet either. Where there is no room below the range, the kernel chooses.
 */
export async function freePort(): Promise<number> {
  const range = portRange();
  if (range) {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = range.low + Math.floor(Math.random() * (range.high - range.low + 1));
      if (handedOut.has(port)) continue;
      if (await bindable(port)) {
        handedOut.add(port);
        return port;
      }
    }
  }
  return listenOn(0);
}

const handedOut = new Set<number>();

let range: { low: number; high: number } | null | undefined;
function portRange(): { low: number; high: number } | null {
  if (range !== undefined) return range;
  let ephemeralLow = 32_768;
  try {
    ephemeralLow = Number(
      readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0],
    );
  } catch {
    // not Linux: the IANA ephemeral range starts at 49152, above the default assumed here
  }
  const high = ephemeralLow - 1;
  const low = Math.max(10_000, high - 12_000);
  range = Number.isInteger(high) && high - low >= 1_000 ? { low, high } : null;
  return range;
}

const bindable = (port: number) =>
  listenOn(port).then(
    () => true,
    () => false,
  );

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port assigned"));
      });
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ""}`,
  );
}
