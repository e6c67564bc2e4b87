/**
 * @module Request/reply between services over NATS.
 * A service serves `chartly.rpc.<service>.<method>` in a queue group named after itself, so any
 * number of replicas share the load. Replies are `{ok:true,data}` or `{ok:false,error}` with a
 * code from the closed set; the caller gets the data or an AppError with the same code.
 */
import { type ErrorBody, HEADERS, type RpcReply, rpcSubject, type ServiceName } from "@chartly/contracts";
import {
  createInbox,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import type { Logger } from "pino";
import { Histogram, type Registry } from "prom-client";
import { AppError, toAppError } from "./errors.js";

/** Who is asking, carried in headers on every request. */
export interface RpcContext {
  tenant: string;
  principal: string;
  requestId: string;
}

export type RpcHandler = (payload: unknown, ctx: RpcContext) => Promise<unknown> | unknown;

/** One caller's part of a batch: what it asked and who asked. */
export interface RpcBatchItem {
  payload: unknown;
  ctx: RpcContext;
}

/** What became of one caller's part: its answer, or what it threw. */
export type RpcOutcome = { ok: true; data: unknown } | { ok: false; error: unknown };

/** Answers many callers of one method at once (one query for all); an outcome per item, in order. */
export type RpcBatchHandler = (items: RpcBatchItem[]) => Promise<RpcOutcome[]>;

export interface RpcServer {
  /**
   * Settles once the NATS server knows of the subscription: a request sent from another
   * connection before then is not delivered (and, if something else listens on its subject, not
   * refused either), so a service says it is ready only after this.
   */
  ready: Promise<void>;
  /** Stops taking requests and waits for those being handled. */
  drain(): Promise<void>;
}

/** A batch travels on `chartly.rpc.<service>.$batch.<method>`, its callers' contexts in the body. */
const BATCH_PREFIX = "$batch.";
interface BatchRequest {
  items: RpcBatchItem[];
}
interface BatchReply {
  items: RpcReply<unknown>[];
}

/**
 * Serves `handlers` in the service's queue group. A batch of calls to one method is answered by
 * its entry in `batchHandlers` when there is one, else by the method's handler once per call;
 * either way each caller gets its own answer or error, checked against its own tenant.
 */
export function serveRpc(
  nc: NatsConnection,
  service: ServiceName,
  handlers: Record<string, RpcHandler>,
  options: { logger: Logger; metrics?: Registry; batchHandlers?: Record<string, RpcBatchHandler> },
): RpcServer {
  const prefix = rpcSubject(service, "");
  const inflight = new Set<Promise<void>>();
  const duration = options.metrics
    ? new Histogram({
        name: "chartly_rpc_server_seconds",
        help: "Time to handle an RPC request, by method and outcome.",
        labelNames: ["method", "code"],
        registers: [options.metrics],
      })
    : undefined;

  const batchSize = options.metrics
    ? new Histogram({
        name: "chartly_rpc_batch_calls",
        help: "Calls answered together in one batched RPC request, by method.",
        labelNames: ["method"],
        buckets: [2, 4, 8, 16, 32, 64],
        registers: [options.metrics],
      })
    : undefined;

  const failure = (error: unknown, method: string, ctx: RpcContext): RpcReply<never> => {
    const appError = toAppError(error);
    if (appError.code === "internal") {
      options.logger.error(
        { err: error, requestId: ctx.requestId, tenant: ctx.tenant, method },
        "RPC handler failed",
      );
    }
    return { ok: false, error: appError.toBody() };
  };

  const one = async (method: string, payload: unknown, ctx: RpcContext): Promise<RpcReply<unknown>> => {
    try {
      const handler = handlers[method];
      if (!handler) throw new AppError("not_found", `${service} has no method ${method}`);
      return { ok: true, data: await handler(payload, ctx) };
    } catch (error) {
      return failure(error, method, ctx);
    }
  };

  const many = async (method: string, asked: unknown[]): Promise<RpcReply<unknown>[]> => {
    // A malformed item fails alone; the others are answered.
    const replies: RpcReply<unknown>[] = new Array(asked.length);
    const items: RpcBatchItem[] = [];
    const positions: number[] = [];
    asked.forEach((item, i) => {
      if (isBatchItem(item)) {
        items.push({ payload: item.payload ?? {}, ctx: item.ctx });
        positions.push(i);
      } else {
        replies[i] = failure(
          new AppError("invalid_argument", `item ${i} of a batch lacks a context of three strings`, [
            { path: `/items/${i}/ctx`, message: "expected { tenant, principal, requestId } strings" },
          ]),
          method,
          NO_CONTEXT,
        );
      }
    });
    const batch = options.batchHandlers?.[method];
    let answers: RpcReply<unknown>[];
    if (!batch) {
      answers = await Promise.all(items.map((item) => one(method, item.payload, item.ctx)));
    } else {
      let outcomes: RpcOutcome[] | undefined;
      let thrown: unknown;
      try {
        outcomes = items.length > 0 ? await batch(items) : [];
      } catch (error) {
        thrown = error;
      }
      answers = items.map((item, i) => {
        if (!outcomes) return failure(thrown, method, item.ctx);
        const outcome = outcomes[i];
        if (!outcome)
          return failure(new Error(`batch handler of ${method} left item ${i} unanswered`), method, item.ctx);
        return outcome.ok ? outcome : failure(outcome.error, method, item.ctx);
      });
    }
    answers.forEach((answer, i) => {
      replies[positions[i] as number] = answer;
    });
    return replies;
  };

  const handle = async (msg: Msg): Promise<void> => {
    const method = msg.subject.slice(prefix.length);
    const started = performance.now();
    let body: string;
    if (method.startsWith(BATCH_PREFIX)) {
      const inner = method.slice(BATCH_PREFIX.length);
      let replies: RpcReply<unknown>[] | undefined;
      let refused: RpcReply<never> | undefined;
      try {
        const items = msg.json<{ items?: unknown } | null>()?.items;
        if (!Array.isArray(items)) throw new AppError("invalid_argument", "a batch carries an items array");
        batchSize?.observe({ method: inner }, items.length);
        replies = await many(inner, items);
      } catch (error) {
        refused = failure(error, inner, NO_CONTEXT);
      }
      for (const reply of replies ?? []) {
        duration?.observe(
          { method: inner, code: reply.ok ? "ok" : reply.error.code },
          (performance.now() - started) / 1000,
        );
      }
      body = JSON.stringify(
        refused ?? ({ ok: true, data: { items: replies ?? [] } } satisfies RpcReply<BatchReply>),
      );
      if (tooLarge(body)) {
        body = JSON.stringify(
          failure(
            new AppError("payload_too_large", `the answers of a batch of ${inner} exceed one message`),
            inner,
            NO_CONTEXT,
          ),
        );
      }
    } else {
      const ctx = contextOf(msg);
      let reply: RpcReply<unknown>;
      try {
        reply = await one(method, msg.data.length > 0 ? msg.json<unknown>() : {}, ctx);
      } catch (error) {
        reply = failure(error, method, ctx); // not JSON
      }
      duration?.observe(
        { method, code: reply.ok ? "ok" : reply.error.code },
        (performance.now() - started) / 1000,
      );
      body = JSON.stringify(reply);
      if (tooLarge(body)) {
        body = JSON.stringify(
          failure(
            new AppError("payload_too_large", `the answer of ${method} exceeds one message`),
            method,
            ctx,
          ),
        );
      }
    }
    if (msg.reply) msg.respond(body);
  };

  /**
   * The server refuses a message over its max_payload, and the caller would wait out its
   * deadline. (A UTF-16 unit takes at most three bytes, so short bodies are not measured.)
   */
  const tooLarge = (body: string) => {
    const max = nc.info?.max_payload ?? 1_048_576;
    return body.length * 3 > max && Buffer.byteLength(body) > max;
  };

  const sub = nc.subscribe(`${prefix}>`, {
    queue: service,
    callback: (error, msg) => {
      if (error) {
        options.logger.error({ err: error }, "RPC subscription error");
        return;
      }
      const task = handle(msg)
        .catch((err) => options.logger.error({ err }, "cannot answer an RPC request"))
        .finally(() => inflight.delete(task));
      inflight.add(task);
    },
  });

  const ready = nc.flush();
  // Those who await it hear of a failure; nobody else has to.
  ready.catch(() => undefined);
  return {
    ready,
    async drain() {
      await sub.drain();
      await Promise.allSettled([...inflight]);
    },
  };
}

const NO_CONTEXT: RpcContext = { tenant: "", principal: "", requestId: "" };

function isBatchItem(item: unknown): item is RpcBatchItem {
  if (typeof item !== "object" || item === null) return false;
  const ctx = (item as { ctx?: unknown }).ctx;
  if (typeof ctx !== "object" || ctx === null) return false;
  const { tenant, principal, requestId } = ctx as Record<string, unknown>;
  return typeof tenant === "string" && typeof principal === "string" && typeof requestId === "string";
}

function contextOf(msg: Msg): RpcContext {
  const h = msg.headers;
  return {
    tenant: h?.get(HEADERS.tenant) || "",
    principal: h?.get(HEADERS.principal) || "",
    requestId: h?.get(HEADERS.requestId) || "",
  };
}

export interface RpcClient {
  call<T>(
    service: ServiceName,
    method: string,
    payload: unknown,
    ctx: RpcContext,
    timeoutMs?: number,
  ): Promise<T>;
}

export interface RpcClientOptions {
  /**
   * Read-only methods (`"<service>:<method>"`) whose concurrent calls travel together (see
   * {@link serveRpc}): one NATS round trip and, where the service answers a batch at once, one
   * query for many callers. A lone call goes alone and at once.
   */
  batched?: Iterable<string>;
  /**
   * Batches of one method in flight at a time. Calls made while all are out wait for the first
   * to come back and then go together (group commit): at low load every call leaves at once, under
   * load batches grow with it instead of each call paying a round trip of its own. Default 4.
   */
  maxBatchesInFlight?: number;
}

/** Calls of one batch travel in one message; more wait for the next one. */
const MAX_BATCH = 64;

export function rpcClient(
  nc: NatsConnection,
  defaultTimeoutMs = 5_000,
  options: RpcClientOptions = {},
): RpcClient {
  const maxInFlight = Math.max(1, options.maxBatchesInFlight ?? 4);
  const lanes = new Map<string, Lane>();
  for (const key of options.batched ?? []) {
    const [service, method] = splitKey(key);
    lanes.set(key, { service, method, queue: [], inFlight: 0, scheduled: false });
  }

  const single = async <T>(
    service: ServiceName,
    method: string,
    payload: unknown,
    ctx: RpcContext,
    timeoutMs: number,
  ): Promise<T> => {
    const h = natsHeaders();
    h.set(HEADERS.tenant, ctx.tenant);
    h.set(HEADERS.principal, ctx.principal);
    h.set(HEADERS.requestId, ctx.requestId);
    const msg = await inboxOf(nc).request(service, method, JSON.stringify(payload ?? {}), h, timeoutMs);
    const reply = msg.json<RpcReply<T> | null>();
    if (reply?.ok === true) return reply.data;
    throw AppError.fromBody(reply?.ok === false ? reply.error : undefined);
  };

  const sendBatch = async (lane: Lane, calls: Queued[], timeoutMs: number): Promise<void> => {
    const { service, method } = lane;
    const body: BatchRequest = {
      items: calls.map((c) => ({ ctx: c.ctx, payload: c.payload ?? {} })),
    };
    let replies: RpcReply<unknown>[];
    try {
      const msg = await inboxOf(nc).request(
        service,
        `${BATCH_PREFIX}${method}`,
        JSON.stringify(body),
        undefined,
        timeoutMs,
        method,
      );
      const reply = msg.json<RpcReply<BatchReply> | null>();
      if (reply?.ok !== true) {
        if (reply?.ok !== false) throw AppError.fromBody(undefined);
        // A replica from before batches answers not_found; answers too large for one message
        // come back as payload_too_large. Either way: ask again one by one (reads only).
        const unknown = reply.error.code === "not_found" && reply.error.message.includes(BATCH_PREFIX);
        if (reply.error.code !== "payload_too_large" && !unknown) throw AppError.fromBody(reply.error);
        await Promise.all(
          calls.map((c) =>
            single(service, method, c.payload, c.ctx, Math.max(1, c.deadline - Date.now())).then(
              c.resolve,
              c.reject,
            ),
          ),
        );
        return;
      }
      // A malformed answer fails its callers below rather than throwing past them.
      replies = Array.isArray(reply.data?.items) ? reply.data.items : [];
    } catch (error) {
      for (const c of calls) c.reject(error);
      return;
    }
    calls.forEach((c, i) => {
      const reply: unknown = replies[i];
      if (typeof reply !== "object" || reply === null) {
        c.reject(
          new AppError("internal", `${service} answered item ${i} of a batch of ${calls.length} malformed`),
        );
      } else if ((reply as RpcReply<unknown>).ok === true) c.resolve((reply as { data: unknown }).data);
      else c.reject(AppError.fromBody((reply as { error?: ErrorBody }).error));
    });
  };

  const schedule = (lane: Lane) => {
    if (lane.scheduled || lane.queue.length === 0 || lane.inFlight >= maxInFlight) return;
    lane.scheduled = true;
    // After this turn's I/O callbacks: every request that arrived with this one joins it.
    setImmediate(() => {
      lane.scheduled = false;
      flush(lane);
    });
  };

  const flush = (lane: Lane) => {
    const now = Date.now();
    while (lane.queue.length > 0 && lane.inFlight < maxInFlight) {
      const chunk = lane.queue.splice(0, MAX_BATCH).filter((c) => {
        if (c.deadline > now) return true;
        c.reject(
          new AppError(
            "deadline_exceeded",
            `the ${lane.service} service did not answer ${lane.method} in time`,
          ),
        );
        return false;
      });
      if (chunk.length === 0) continue;
      const timeoutMs = Math.max(...chunk.map((c) => c.deadline)) - now;
      const lone = chunk.length === 1 ? chunk[0] : undefined;
      const sent = lone
        ? single(lane.service, lane.method, lone.payload, lone.ctx, timeoutMs).then(lone.resolve, lone.reject)
        : sendBatch(lane, chunk, timeoutMs);
      lane.inFlight++;
      // Callers hear of every failure through their own promises; this one only frees the slot.
      void sent
        .catch(() => undefined)
        .finally(() => {
          lane.inFlight--;
          schedule(lane);
        });
    }
  };

  return {
    call<T>(
      service: ServiceName,
      method: string,
      payload: unknown,
      ctx: RpcContext,
      timeoutMs = defaultTimeoutMs,
    ): Promise<T> {
      const lane = lanes.get(`${service}:${method}`);
      if (!lane) return single<T>(service, method, payload, ctx, timeoutMs);
      return new Promise<T>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        // A batch waits for its most patient caller; each caller gives up at its own deadline.
        const timer = setTimeout(
          () =>
            reject(
              new AppError(
                "deadline_exceeded",
                `the ${service} service did not answer ${method} within ${timeoutMs} ms`,
              ),
            ),
          timeoutMs,
        );
        lane.queue.push({
          payload,
          ctx,
          deadline,
          resolve: (value) => {
            clearTimeout(timer);
            resolve(value as T);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        });
        schedule(lane);
      });
    },
  };
}

/** The calls of one batched method waiting to go, and how many of its batches are out. */
interface Lane {
  service: ServiceName;
  method: string;
  queue: Queued[];
  inFlight: number;
  scheduled: boolean;
}

interface Queued {
  payload: unknown;
  ctx: RpcContext;
  /** `Date.now()` after which the caller has given up. */
  deadline: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const splitKey = (key: string): [ServiceName, string] => {
  const at = key.indexOf(":");
  return [key.slice(0, at) as ServiceName, key.slice(at + 1)];
};

/**
 * Request/reply over one wildcard inbox subscription per connection. The NATS client's own
 * `request()` builds an `Error` for every answered request (to reject a promise already
 * resolved); on a gateway answering thousands of requests a second that is a measurable share.
 */
class Inbox {
  private readonly prefix: string;
  private readonly pending = new Map<string, Pending>();
  private next = 0;

  constructor(private readonly nc: NatsConnection) {
    this.prefix = `${createInbox()}.`;
    const sub = nc.subscribe(`${this.prefix}*`, {
      callback: (error, msg) => {
        if (error) {
          this.close(error);
          return;
        }
        const token = msg.subject.slice(this.prefix.length);
        const p = this.pending.get(token);
        if (!p) return; // answered after its deadline
        this.pending.delete(token);
        // An empty message with status 503 is the server saying nobody serves the subject.
        if (msg.data.length === 0 && msg.headers?.code === 503) p.noResponders();
        else p.answer(msg);
      },
    });
    // Closing or draining the connection ends the subscription without calling back: whoever
    // waits hears at once rather than at its deadline.
    void sub.closed.then((cause) => this.close(cause ?? new Error("the NATS connection closed")));
  }

  /** The subscription is over: what waits fails, and later requests get a new inbox. */
  private close(cause: Error): void {
    if (inboxes.get(this.nc) === this) inboxes.delete(this.nc);
    for (const p of this.pending.values()) p.fail(cause);
    this.pending.clear();
  }

  request(
    service: ServiceName,
    method: string,
    body: string,
    headers: MsgHdrs | undefined,
    timeoutMs: number,
    /** The method as callers know it, for messages. */
    named = method,
  ): Promise<Msg> {
    const token = (this.next++).toString(36);
    return new Promise<Msg>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(
          new AppError(
            "deadline_exceeded",
            `the ${service} service did not answer ${named} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(token, {
        answer: (msg) => {
          clearTimeout(timer);
          resolve(msg);
        },
        noResponders: () => {
          clearTimeout(timer);
          reject(new AppError("unavailable", `the ${service} service is not running`));
        },
        fail: (cause) => {
          clearTimeout(timer);
          reject(new AppError("unavailable", `cannot reach the ${service} service`, undefined, { cause }));
        },
      });
      try {
        this.nc.publish(rpcSubject(service, method), body, {
          reply: `${this.prefix}${token}`,
          ...(headers ? { headers } : {}),
        });
      } catch (cause) {
        this.pending.get(token)?.fail(cause as Error);
        this.pending.delete(token);
      }
    });
  }
}

interface Pending {
  answer(msg: Msg): void;
  noResponders(): void;
  fail(cause: Error): void;
}

const inboxes = new WeakMap<NatsConnection, Inbox>();
function inboxOf(nc: NatsConnection): Inbox {
  const known = inboxes.get(nc);
  if (known) return known;
  if (nc.isClosed() || nc.isDraining()) {
    throw new AppError("unavailable", "the connection to NATS is closed");
  }
  const inbox = new Inbox(nc);
  inboxes.set(nc, inbox);
  return inbox;
}

/** The caller's tenant; every query that touches user data filters by it. */
export function requireTenant(ctx: RpcContext): string {
  if (!ctx.tenant) throw new AppError("invalid_argument", "the request carries no tenant");
  return ctx.tenant;
}
