import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunEvent } from "@chartly/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Outbox, type OutboxEntry } from "../../src/edge/outbox.js";

const event = (runId: string): OutboxEntry => ({
  kind: "event",
  lease: `lease-${runId}`,
  event: {
    type: "run.started",
    runId,
    tenant: "t",
    profileId: "p",
    droneId: "d",
    attempt: 1,
    at: "2026-01-01T00:00:00.000Z",
  } satisfies RunEvent,
});

describe("the edge outbox", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "chartly-outbox-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("hands entries back oldest first, across a reopen, and forgets the ones removed", async () => {
    const outbox = await Outbox.open(dir);
    for (const run of ["a", "b", "c"]) await outbox.append(event(run));
    const first = await outbox.oldest();
    expect(first?.entry).toEqual(event("a"));
    await outbox.remove(first?.seq as number);

    const reopened = await Outbox.open(dir);
    expect(reopened.pending).toBe(2);
    await reopened.append(event("d"));
    const order: string[] = [];
    for (let next = await reopened.oldest(); next; next = await reopened.oldest()) {
      order.push(next.entry.lease);
      await reopened.remove(next.seq);
    }
    expect(order).toEqual(["lease-b", "lease-c", "lease-d"]);
    expect((await readdir(dir)).filter((name) => name.endsWith(".json"))).toEqual([]);
  });

  it("drops an entry a crash left half-written, and keeps the whole ones", async () => {
    const outbox = await Outbox.open(dir);
    await outbox.append(event("whole"));
    await writeFile(join(dir, "0000000000000002.json.tmp"), '{"kind":"ev');
    const reopened = await Outbox.open(dir);
    expect(reopened.pending).toBe(1);
    expect((await reopened.oldest())?.entry).toEqual(event("whole"));
    expect((await readdir(dir)).some((name) => name.endsWith(".tmp"))).toBe(false);
  });

  it("sets aside a refused entry with the reason, so the next one comes up", async () => {
    const outbox = await Outbox.open(dir);
    await outbox.append(event("refused"));
    await outbox.append(event("next"));
    const refused = await outbox.oldest();
    await outbox.reject(refused?.seq as number, "400 invalid_argument: the lease does not parse");
    expect((await outbox.oldest())?.entry).toEqual(event("next"));
    const aside = await readdir(join(dir, "rejected"));
    expect(aside.sort()).toEqual(["0000000000000001.json", "0000000000000001.json.reason"]);
    expect(await readFile(join(dir, "rejected", "0000000000000001.json.reason"), "utf8")).toContain(
      "does not parse",
    );
  });

  it("keeps every refused entry set aside, across restarts that emptied the outbox", async () => {
    const outbox = await Outbox.open(dir);
    await outbox.append(event("refused-1"));
    await outbox.reject((await outbox.oldest())?.seq as number, "first reason");
    const reopened = await Outbox.open(dir);
    await reopened.append(event("refused-2"));
    await reopened.reject((await reopened.oldest())?.seq as number, "second reason");
    const aside = (await readdir(join(dir, "rejected"))).filter((name) => name.endsWith(".json")).sort();
    expect(aside).toHaveLength(2);
    const entries = await Promise.all(
      aside.map(
        async (name) => JSON.parse(await readFile(join(dir, "rejected", name), "utf8")) as OutboxEntry,
      ),
    );
    expect(entries.map((entry) => entry.lease)).toEqual(["lease-refused-1", "lease-refused-2"]);
  });
});
