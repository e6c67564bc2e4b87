/**
 * The gateway's forecast routes answered by a real aggregator (a child process) on the test
 * world's NATS and Postgres, with series seeded through RECORDS as drones would send them.
 */
import { recordsSubject } from "@chartly/contracts";
import { rpcClient } from "@chartly/platform";
import { type Launched, launch, waitFor } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import type { App } from "../src/app.js";
import { as, startWorld, type World } from "./harness.js";

export const HOUR = 3_600_000;
export const START = Date.UTC(2026, 0, 5);

export interface ForecastWorld {
  world: World;
  /** Seeds `hours` hourly points of a measure of tenant acme from START; answers the series id. */
  seed(measure: string, hours: number): Promise<number>;
  /** Sends a request with an API key (and a JSON body); answers the status and the parsed body. */
  send(
    method: string,
    path: string,
    key: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies of many shapes
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startForecastWorld(): Promise<ForecastWorld> {
  const world = await startWorld({ standIns: false });
  const app: App = await world.app({ RPC_TIMEOUT_MS: "20000" });
  const aggregator: Launched = launch("aggregator", "services/aggregator/src/main.ts", {
    NATS_URL: world.nats.url,
    DATABASE_URL: world.database.url,
    HTTP_PORT: "0",
    FORECAST_WORKERS: "1",
  });
  const rpc = rpcClient(world.nc, 1_000);
  const system = { tenant: "", principal: "test", requestId: "" };
  await waitFor(
    "the aggregator",
    () => rpc.call("aggregator", "health", {}, system).catch(() => undefined),
    60_000,
  );

  return {
    world,
    async seed(measure, hours) {
      await jetstream(world.nc).publish(
        recordsSubject("acme", "grid"),
        JSON.stringify({
          tenant: "acme",
          profileId: "grid",
          runId: `seed-${measure}`,
          batch: 0,
          records: Array.from({ length: hours }, (_, h) => ({
            key: `${measure}|${h}`,
            time: new Date(START + h * HOUR).toISOString(),
            dims: {},
            measures: { [measure]: 100 + 10 * Math.sin((2 * Math.PI * h) / 24) },
          })),
        }),
      );
      return waitFor(`series ${measure}`, async () => {
        const [row] = await world.sql<{ id: string }[]>`
          select id from series where tenant_id = 'acme' and measure = ${measure} and obs_count = ${hours}`;
        return row ? Number(row.id) : undefined;
      });
    },
    async send(method, path, key, body) {
      const init = as(key, body === undefined ? {} : { body });
      const response = await app.request(path, { ...init, method });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await aggregator.stop();
      await world.close();
    },
  };
}
