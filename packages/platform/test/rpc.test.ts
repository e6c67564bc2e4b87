import { type NatsServer, startNatsServer } from "@chartly/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AppError,
  type RpcBatchItem,
  type RpcClientOptions,
  type RpcOutcome,
  rpcClient,
  serveRpc,
} from "../src/index.js";

const logger = pino({ level: "silent" });
const ctx = { tenant: "acme", principal: "tester", requestId: "req-1" };

describe("RPC over NATS", () => {
  let server: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    serveRpc(
      nc,
      "registry",
      {
        echo: (payload, context) => ({ payload, context }),
        "profiles.get": (payload) => {
          const { id } = z.object({ id: z.string() }).parse(payload);
          throw AppError.notFound(`profile ${id}`);
        },
        crash: () => {
          throw new Error("secret internals");
        },
        slow: () => new Promise((resolve) => setTimeout(resolve, 500)),
      },
      { logger },
    );
  });
  afterAll(async () => {
    await nc.close();
    await server.stop();
  });

  it("delivers the payload and the caller's tenant, principal and request id", async () => {
    const reply = await rpcClient(nc).call("registry", "echo", { a: 1 }, ctx);
    expect(reply).toEqual({ payload: { a: 1 }, context: ctx });
  });

  it("carries a typed error back to the caller with its code and HTTP status", async () => {
    const error = await rpcClient(nc)
      .call("registry", "profiles.get", { id: "x" }, ctx)
      .catch((e) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: "not_found", status: 404, message: "profile x was not found" });
  });

  it("turns a validation failure into invalid_argument naming the field", async () => {
    const error = await rpcClient(nc)
      .call<never>("registry", "profiles.get", { id: 5 }, ctx)
      .catch((e: unknown) => e as AppError);
    expect(error).toMatchObject({ code: "invalid_argument", status: 400 });
    expect(error.details).toEqual([expect.objectContaining({ pointer: "/id" })]);
  });

  it("hides an unexpected error's message behind internal", async () => {
    const error = await rpcClient(nc)
      .call("registry", "crash", {}, ctx)
      .catch((e) => e);
    expect(error).toMatchObject({ code: "internal", message: "internal error" });
  });

  it("answers not_found for a method the service does not have", async () => {
    const error = await rpcClient(nc)
      .call("registry", "nope", {}, ctx)
      .catch((e) => e);
    expect(error).toMatchObject({ code: "not_found", message: "registry has no method nope" });
  });

  it("says the service is not running when nobody serves it", async () => {
    const error = await rpcClient(nc)
      .call("reporter", "reports.list", {}, ctx)
      .catch((e) => e);
    expect(error).toMatchObject({ code: "unavailable", message: "the reporter service is not running" });
  });

  it("says the service did not answer in time", async () => {
    const error = await rpcClient(nc)
      .call("registry", "slow", {}, ctx, 100)
      .catch((e) => e);
    expect(error).toMatchObject({ code: "deadline_exceeded", status: 504 });
  });
});

/** A caller's context per index, so each answer can be told apart. */
const ctxOf = (i: number) => ({ tenant: `t${i % 3}`, principal: `p${i}`, requestId: `req-${i}` });

/** Settles every promise; each entry is its value or the error it failed with. */
const outcomes = (promises: Promise<unknown>[]): Promise<{ value?: unknown; error?: AppError }[]> =>
  Promise.all(
    promises.map((p) =>
      p.then(
        (value) => ({ value }),
        (error: AppError) => ({ error }),
      ),
    ),
  );

describe("batched RPC", () => {
  let server: NatsServer;
  let nc: NatsConnection;
  /** Every request on the coordinator's subjects, as a spy beside the queue group sees it. */
  let seen: { subject: string; reply: string; items?: number; payload?: unknown }[];
  /** The items each call of a batch handler received. */
  let batchCalls: Record<string, RpcBatchItem[][]>;
  /** How often each single handler ran. */
  let singleCalls: Record<string, number>;
  let slowDone: Promise<void>;
  let finishSlow: () => void;

  const countSingle = (method: string) => {
    singleCalls[method] = (singleCalls[method] ?? 0) + 1;
  };
  const recordBatch = (method: string, items: RpcBatchItem[]) => {
    batchCalls[method] = [...(batchCalls[method] ?? []), items];
  };
  const big = (id: unknown) => `${String(id)}:${"x".repeat(400_000)}`;
  /** Fails the way each kind of handler failure is told apart by callers. */
  const answerOrThrow = (payload: unknown) => {
    const { kind } = z.object({ kind: z.string() }).parse(payload);
    if (kind === "missing") throw AppError.notFound("thing 7");
    if (kind === "crash") throw new Error("secret internals");
    return { kind };
  };
  const client = (batched: string[], more: RpcClientOptions = {}) =>
    rpcClient(nc, 5_000, { batched, ...more });
  const batchesOf = (method: string) => seen.filter((m) => m.subject.endsWith(`.$batch.${method}`));
  const singlesOf = (method: string) => seen.filter((m) => m.subject === `chartly.rpc.coordinator.${method}`);

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    nc.subscribe("chartly.rpc.coordinator.>", {
      callback: (_error, msg) => {
        const seenAs = { subject: msg.subject, reply: msg.reply ?? "" };
        if (msg.subject.includes(".$batch.")) {
          seen.push({ ...seenAs, items: msg.json<{ items: unknown[] }>().items.length });
        } else seen.push({ ...seenAs, payload: msg.json() });
      },
    });
    serveRpc(
      nc,
      "coordinator",
      {
        echo: (payload, context) => {
          countSingle("echo");
          return { payload, context };
        },
        mixed: (payload) => {
          countSingle("mixed");
          return answerOrThrow(payload);
        },
        big: (payload) => {
          countSingle("big");
          return big((payload as { id: unknown }).id);
        },
        slow: async () => {
          countSingle("slow");
          await new Promise((resolve) => setTimeout(resolve, 300));
          finishSlow();
          return "late";
        },
        pause: async (payload) => {
          countSingle("pause");
          await new Promise((resolve) => setTimeout(resolve, 100));
          return payload;
        },
      },
      {
        logger,
        batchHandlers: {
          echo: async (items) => {
            recordBatch("echo", items);
            return items.map((item) => ({ ok: true, data: { payload: item.payload, context: item.ctx } }));
          },
          lookup: async (items) => {
            recordBatch("lookup", items);
            return items.map((item): RpcOutcome => {
              try {
                return { ok: true, data: answerOrThrow(item.payload) };
              } catch (error) {
                return { ok: false, error };
              }
            });
          },
          big: async (items) => {
            recordBatch("big", items);
            return items.map((item) => ({ ok: true, data: big((item.payload as { id: unknown }).id) }));
          },
        },
      },
    );
    await nc.flush();
  });
  beforeEach(() => {
    seen = [];
    batchCalls = {};
    singleCalls = {};
    slowDone = new Promise((resolve) => {
      finishSlow = resolve;
    });
  });
  afterAll(async () => {
    await nc.close();
    await server.stop();
  });

  it("sends concurrent calls of a batched method as one request, each caller getting its own answer", async () => {
    const rpc = client(["coordinator:echo"]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => rpc.call("coordinator", "echo", { i }, ctxOf(i))),
    );

    expect(answers).toEqual(Array.from({ length: 20 }, (_, i) => ({ payload: { i }, context: ctxOf(i) })));
    expect(batchCalls.echo).toHaveLength(1);
    expect(batchCalls.echo?.[0]?.map((item) => item.ctx)).toEqual(
      Array.from({ length: 20 }, (_, i) => ctxOf(i)),
    );
    expect(singleCalls.echo).toBeUndefined();
    expect(batchesOf("echo")).toEqual([expect.objectContaining({ items: 20 })]);
    expect(singlesOf("echo")).toEqual([]);
  });

  it("sends a lone call of a batched method as a plain request with the caller's context", async () => {
    const answer = await client(["coordinator:echo"]).call("coordinator", "echo", { a: 1 }, ctxOf(1));

    expect(answer).toEqual({ payload: { a: 1 }, context: ctxOf(1) });
    expect(singlesOf("echo")).toHaveLength(1);
    expect(batchesOf("echo")).toEqual([]);
    expect(batchCalls.echo).toBeUndefined();
  });

  it("sends concurrent calls of a method that is not batched one by one", async () => {
    const rpc = client(["coordinator:mixed"]);
    await Promise.all(Array.from({ length: 5 }, (_, i) => rpc.call("coordinator", "echo", { i }, ctxOf(i))));

    expect(singlesOf("echo")).toHaveLength(5);
    expect(batchesOf("echo")).toEqual([]);
  });

  it("splits more than 64 concurrent calls into batches of at most 64", async () => {
    const rpc = client(["coordinator:echo"]);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        rpc.call<{ payload: unknown }>("coordinator", "echo", { i }, ctxOf(i)),
      ),
    );

    expect(answers.map((a) => a.payload)).toEqual(Array.from({ length: 100 }, (_, i) => ({ i })));
    expect(batchCalls.echo?.map((items) => items.length)).toEqual([64, 36]);
    expect(batchesOf("echo").map((m) => m.items)).toEqual([64, 36]);
  });

  it("runs the method's handler once per call when it has no batch handler", async () => {
    const rpc = client(["coordinator:mixed"]);
    const answers = await Promise.all(
      ["a", "b", "c"].map((kind, i) => rpc.call("coordinator", "mixed", { kind }, ctxOf(i))),
    );

    expect(answers).toEqual([{ kind: "a" }, { kind: "b" }, { kind: "c" }]);
    expect(singleCalls.mixed).toBe(3);
    expect(batchesOf("mixed")).toEqual([expect.objectContaining({ items: 3 })]);
  });

  // The same failures, thrown by the single handler per item or returned by a batch handler.
  it.each(["mixed", "lookup"])("gives each caller in a batch its own outcome (%s)", async (method) => {
    const rpc = client([`coordinator:${method}`]);
    const payloads = [
      { kind: "ok-1" },
      { kind: "missing" },
      { kind: 5 },
      { kind: "crash" },
      { kind: "ok-2" },
    ];
    const results = await outcomes(payloads.map((p, i) => rpc.call("coordinator", method, p, ctxOf(i))));

    expect(batchesOf(method)).toEqual([expect.objectContaining({ items: 5 })]);
    expect(results[0]).toEqual({ value: { kind: "ok-1" } });
    expect(results[1]?.error).toBeInstanceOf(AppError);
    expect(results[1]?.error).toMatchObject({ code: "not_found", message: "thing 7 was not found" });
    expect(results[2]?.error).toMatchObject({ code: "invalid_argument", status: 400 });
    expect(results[2]?.error?.details).toEqual([expect.objectContaining({ pointer: "/kind" })]);
    expect(results[3]?.error).toMatchObject({ code: "internal", message: "internal error" });
    expect(results[4]).toEqual({ value: { kind: "ok-2" } });
  });

  it("asks again one by one when the batch's answers exceed one message", async () => {
    const rpc = client(["coordinator:big"]);
    const answers = await Promise.all(
      [1, 2, 3].map((id) => rpc.call<string>("coordinator", "big", { id }, ctxOf(id))),
    );

    expect(answers).toEqual([big(1), big(2), big(3)]);
    expect(batchCalls.big?.map((items) => items.length)).toEqual([3]);
    expect(singleCalls.big).toBe(3);
    expect(singlesOf("big")).toHaveLength(3);
  });

  it("fails every caller of a batch that is not answered in time", async () => {
    const rpc = client(["coordinator:slow"]);
    const results = await outcomes(
      Array.from({ length: 4 }, (_, i) => rpc.call("coordinator", "slow", {}, ctxOf(i), 100)),
    );

    expect(batchesOf("slow")).toEqual([expect.objectContaining({ items: 4 })]);
    for (const result of results) {
      expect(result.error).toBeInstanceOf(AppError);
      expect(result.error).toMatchObject({ code: "deadline_exceeded", status: 504 });
    }
    await slowDone; // let the handlers finish before the next test
  });

  it("fails a caller at its own deadline though others in its batch wait longer", async () => {
    const rpc = client(["coordinator:slow"]);
    const started = Date.now();
    let hastyTookMs = Number.NaN;
    const [patient, hasty] = await outcomes([
      rpc.call("coordinator", "slow", {}, ctxOf(0), 5_000),
      rpc.call("coordinator", "slow", {}, ctxOf(1), 50).finally(() => {
        hastyTookMs = Date.now() - started;
      }),
    ]);

    expect(batchesOf("slow")).toEqual([expect.objectContaining({ items: 2 })]);
    expect(hasty?.error).toMatchObject({ code: "deadline_exceeded" });
    expect(hastyTookMs).toBeLessThan(250); // the handler takes 300 ms
    expect(patient).toEqual({ value: "late" });
  });

  it("fails every caller, rather than hanging, when a batch's answer carries no items", async () => {
    const fake = nc.subscribe("chartly.rpc.gateway.$batch.odd", {
      callback: (_error, msg) => {
        msg.respond(JSON.stringify({ ok: true, data: {} }));
      },
    });
    try {
      const rpc = client(["gateway:odd"]);
      const results = await outcomes([1, 2].map((i) => rpc.call("gateway", "odd", {}, ctxOf(i), 1_000)));

      expect(results).toEqual([1, 2].map(() => ({ error: expect.objectContaining({ code: "internal" }) })));
    } finally {
      fake.unsubscribe();
    }
  });

  it("says the service is not running to every caller of a batch nobody serves", async () => {
    const rpc = client(["reporter:reports.list"]);
    const results = await outcomes(
      Array.from({ length: 3 }, (_, i) => rpc.call("reporter", "reports.list", {}, ctxOf(i))),
    );

    expect(results).toEqual(
      Array.from({ length: 3 }, () => ({
        error: expect.objectContaining({
          code: "unavailable",
          message: "the reporter service is not running",
        }),
      })),
    );
  });

  it("sends calls made while its batches are out together once one comes back", async () => {
    const rpc = client(["coordinator:pause"], { maxBatchesInFlight: 1 });
    const first = rpc.call("coordinator", "pause", { n: 0 }, ctxOf(0));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = [1, 2, 3].map((n) => rpc.call("coordinator", "pause", { n }, ctxOf(n)));

    expect(await Promise.all([first, ...later])).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }, { n: 3 }]);
    expect(singlesOf("pause")).toHaveLength(1);
    expect(batchesOf("pause")).toEqual([expect.objectContaining({ items: 3 })]);
  });

  it("ignores an answer that arrives after the caller gave up", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const rpc = client(["coordinator:slow"]);
      const lone = await outcomes([rpc.call("coordinator", "slow", {}, ctxOf(0), 50)]);
      expect(lone[0]?.error).toMatchObject({ code: "deadline_exceeded" });
      await slowDone;
      // Time for the late answer to be sent and reach the inbox.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await nc.flush();

      expect(singleCalls.slow).toBe(1);
      expect(await rpc.call("coordinator", "echo", { after: true }, ctxOf(1))).toEqual({
        payload: { after: true },
        context: ctxOf(1),
      });
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("shares one inbox among the clients of one connection", async () => {
    const other = await connect({ servers: server.url });
    try {
      const a = client([]);
      const b = client(["coordinator:echo"]);
      const c = rpcClient(other);
      await Promise.all([
        a.call("coordinator", "echo", { from: "a" }, ctxOf(0)),
        b.call("coordinator", "echo", { from: "b" }, ctxOf(1)),
        c.call("coordinator", "echo", { from: "c" }, ctxOf(2)),
      ]);
      const inboxOf = (from: string) => {
        const reply = seen.find((m) => (m.payload as { from?: string }).from === from)?.reply ?? "";
        return reply.slice(0, reply.lastIndexOf("."));
      };

      // The two clients of `nc` are answered on one inbox, the client of `other` on its own.
      expect(inboxOf("a")).toMatch(/^_INBOX\./);
      expect(inboxOf("b")).toBe(inboxOf("a"));
      expect(inboxOf("c")).toMatch(/^_INBOX\./);
      expect(inboxOf("c")).not.toBe(inboxOf("a"));
    } finally {
      await other.close();
    }
  });

  it("asks one by one a replica that does not know batches", async () => {
    // A replica from before batches: it answers single calls and refuses `$batch.` subjects.
    const asked: string[] = [];
    const old = nc.subscribe("chartly.rpc.reporter.>", {
      queue: "reporter",
      callback: (_error, msg) => {
        const method = msg.subject.slice("chartly.rpc.reporter.".length);
        asked.push(method);
        const reply = method.startsWith("$batch.")
          ? { ok: false, error: { code: "not_found", message: `reporter has no method ${method}` } }
          : { ok: true, data: { echoed: msg.json(), tenant: msg.headers?.get("chartly-tenant") } };
        msg.respond(JSON.stringify(reply));
      },
    });
    try {
      const reporter = rpcClient(nc, 5_000, { batched: ["reporter:echo"] });
      const answers = await Promise.all(
        [0, 1, 2].map((i) => reporter.call("reporter", "echo", { i }, ctxOf(i))),
      );

      expect(answers).toEqual([0, 1, 2].map((i) => ({ echoed: { i }, tenant: ctxOf(i).tenant })));
      expect(asked).toEqual(["$batch.echo", "echo", "echo", "echo"]);
    } finally {
      old.unsubscribe();
    }
  });
});

describe("RPC when the connection or the answers go wrong", () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let releaseHold: () => void = () => undefined;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
    const served = serveRpc(
      nc,
      "coordinator",
      {
        echo: (payload, context) => ({ payload, context }),
        hold: () =>
          new Promise((resolve) => {
            releaseHold = () => resolve("released");
          }),
        huge: () => "x".repeat(2 * 1_048_576),
      },
      {
        logger,
        batchHandlers: {
          echo: async (items) =>
            items.map((item) => ({ ok: true, data: { payload: item.payload, context: item.ctx } })),
        },
      },
    );
    await served.ready;
  });
  afterAll(async () => {
    releaseHold();
    await nc.close();
    await server.stop();
  });

  it("fails waiting callers at once, not at their deadline, when their connection closes", async () => {
    const caller = await connect({ servers: server.url });
    const rpc = rpcClient(caller, 60_000, { batched: ["coordinator:hold"] });
    const waiting = outcomes([
      rpc.call("coordinator", "hold", {}, ctxOf(0)),
      rpc.call("coordinator", "hold", {}, ctxOf(1)),
      rpcClient(caller, 60_000).call("coordinator", "hold", {}, ctxOf(2)),
    ]);
    await caller.flush();
    await caller.close();

    // Far inside the 60 s deadline: the test would time out waiting for it.
    expect(await waiting).toEqual(
      [0, 1, 2].map(() => ({ error: expect.objectContaining({ code: "unavailable" }) })),
    );
    expect(await outcomes([rpc.call("coordinator", "echo", {}, ctxOf(3))])).toEqual([
      {
        error: expect.objectContaining({ code: "unavailable", message: "the connection to NATS is closed" }),
      },
    ]);
    releaseHold();
  });

  it("answers an answer too large for one message with payload_too_large, not silence", async () => {
    const results = await outcomes([rpcClient(nc, 60_000).call("coordinator", "huge", {}, ctxOf(0))]);

    expect(results).toEqual([{ error: expect.objectContaining({ code: "payload_too_large", status: 413 }) }]);
  });

  it("answers the well-formed items of a batch and refuses each malformed one by its index", async () => {
    const good = { payload: { n: 1 }, ctx: ctxOf(1) };
    const msg = await nc.request(
      "chartly.rpc.coordinator.$batch.echo",
      JSON.stringify({
        items: [good, { payload: {} }, 5, { ctx: { tenant: 1, principal: "p", requestId: "r" } }, good],
      }),
      { timeout: 5_000 },
    );
    const reply = msg.json<{
      ok: true;
      data: { items: { ok: boolean; data?: unknown; error?: { code: string; message: string } }[] };
    }>();

    expect(reply.ok).toBe(true);
    const answered = { ok: true, data: { payload: { n: 1 }, context: ctxOf(1) } };
    const refused = (i: number) => ({
      ok: false,
      error: expect.objectContaining({
        code: "invalid_argument",
        message: `item ${i} of a batch lacks a context of three strings`,
      }),
    });
    expect(reply.data.items).toEqual([answered, refused(1), refused(2), refused(3), answered]);
  });

  it("fails only the callers whose part of a batch's answer is malformed, and nothing is left unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const fake = nc.subscribe("chartly.rpc.gateway.$batch.odd", {
      callback: (_error, msg) => {
        msg.respond(
          JSON.stringify({
            ok: true,
            data: {
              items: [{ ok: false }, 5, { ok: false, error: { code: "toString" } }, { ok: true, data: 4 }],
            },
          }),
        );
      },
    });
    try {
      const rpc = rpcClient(nc, 5_000, { batched: ["gateway:odd"] });
      const results = await outcomes([0, 1, 2, 3].map((i) => rpc.call("gateway", "odd", {}, ctxOf(i))));
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(results).toEqual([
        {
          error: expect.objectContaining({
            code: "internal",
            message: "a service answered an error without a code",
          }),
        },
        {
          error: expect.objectContaining({ code: "internal", message: expect.stringContaining("malformed") }),
        },
        { error: expect.objectContaining({ code: "internal" }) },
        { value: 4 },
      ]);
      expect(unhandled).toEqual([]);
    } finally {
      fake.unsubscribe();
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("is ready for callers on other connections once ready settles, though others listen on its subjects", async () => {
    const serving = await connect({ servers: server.url });
    const caller = await connect({ servers: server.url });
    // A listener on the same subject keeps the server from answering "no responders": a request
    // sent before the service's subscription arrived would be lost, not refused.
    const spy = caller.subscribe("chartly.rpc.reporter.>", { callback: () => undefined });
    try {
      await caller.flush();
      const served = serveRpc(serving, "reporter", { ping: () => "pong" }, { logger });
      await served.ready;

      expect(await rpcClient(caller, 5_000).call("reporter", "ping", {}, ctxOf(0))).toBe("pong");
      await served.drain();
    } finally {
      spy.unsubscribe();
      await serving.close();
      await caller.close();
    }
  });
});
