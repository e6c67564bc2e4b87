import { createDatabase, type Database } from "@chartly/db";
import { ensureStreams, openDroneBucket } from "@chartly/platform";
import { createTestDatabase, type NatsServer, startNatsServer, type TestDatabase } from "@chartly/testkit";
import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { RunKeeper } from "../src/runs/keeper.js";
import { Clock } from "../src/scheduler/clock.js";
import { Dispatcher } from "../src/scheduler/dispatcher.js";
import { storedProfile } from "./profiles.js";

const minutely = storedProfile("clock-1m", { schedule: { every: "1m" } });

describe("the clock", () => {
  let nats: NatsServer;
  let nc: NatsConnection;
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    nats = await startNatsServer();
    nc = await connect({ servers: nats.url });
    await ensureStreams(nc);
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 3 });
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
    await nc.close();
    await nats.stop();
  });

  it("does not spin on a slot it could not queue while Postgres is away, but tries again calmly", async () => {
    const js = jetstream(nc);
    const silent = pino({ level: "silent" });
    const dispatcher = new Dispatcher(database.sql, js, silent);
    // The dispatcher remembers a next slot that is already past by the time the clock looks.
    await dispatcher.tick([minutely], Date.now() - 150_000);
    expect(dispatcher.earliestDue()).toBeLessThan(Date.now());
    // Postgres is away: every query fails at once.
    const away = postgres(testDb.url, { max: 1 });
    await away.end();
    const failedSteps: string[] = [];
    const logger = pino(
      { level: "error" },
      { write: (line: string) => failedSteps.push(JSON.parse(line).step) },
    );
    const clock = new Clock({
      sql: away,
      lease: { isLeader: () => true },
      dispatcher,
      keeper: new RunKeeper(away, js, dispatcher, silent, { baseMs: 1_000, maxMs: 10_000 }),
      drones: await openDroneBucket(nc),
      logger,
      profiles: () => ({ items: [minutely], loaded: true }),
      tickMs: 60_000,
      livenessMs: 30_000,
    });
    clock.start();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await clock.stop();
    const slotFailures = failedSteps.filter((step) => step === "slots").length;
    // The first full tick, and then about one try a second for the past slot.
    expect(slotFailures).toBeGreaterThanOrEqual(2);
    expect(slotFailures).toBeLessThanOrEqual(8);
  });
});
