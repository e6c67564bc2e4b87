/**
 * @module Request/reply between services over NATS.
 * A service serves `chartly.rpc.<service>.<method>` in a queue group named after itself, so any
 * number of replicas share the load. Replies are `{ok:true,data}` or `{ok:false,error}` with a
 * code from the closed set; the caller gets the data or an AppError with the same code.
 */
import { HEADERS, type RpcReply, rpcSubject, type ServiceName } from "@chartly/contracts";
import {
  type Msg,
  type NatsConnection,
  headers as natsHeaders,
  RequestError,
  TimeoutError,
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

export interface RpcServer {
  /** Stops taking requests and waits for those being handled. */
  drain(): Promise<void>;
}

export function serveRpc(
  nc: NatsConnection,
  service: ServiceName,
  handlers: Record<string, RpcHandler>,
  options: { logger: Logger; metrics?: Registry },
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

  const handle = async (msg: Msg): Promise<void> => {
    const method = msg.subject.slice(prefix.length);
    const ctx = contextOf(msg);
    const log = options.logger.child({ requestId: ctx.requestId, tenant: ctx.tenant, method });
    const started = performance.now();
    let reply: RpcReply<unknown>;
    try {
      const handler = handlers[method];
      if (!handler) throw new AppError("not_found", `${service} has no method ${method}`);
      const payload = msg.data.length > 0 ? msg.json<unknown>() : {};
      reply = { ok: true, data: await handler(payload, ctx) };
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code === "internal") log.error({ err: error }, "RPC handler failed");
      reply = { ok: false, error: appError.toBody() };
    }
    duration?.observe(
      { method, code: reply.ok ? "ok" : reply.error.code },
      (performance.now() - started) / 1000,
    );
    if (msg.reply) msg.respond(JSON.stringify(reply));
  };

  const sub = nc.subscribe(`${prefix}>`, {
    queue: service,
    callback: (error, msg) => {
      if (error) {
        options.logger.error({ err: error }, "RPC subscription error");
        return;
      }
      const task = handle(msg).finally(() => inflight.delete(task));
      inflight.add(task);
    },
  });

  return {
    async drain() {
      await sub.drain();
      await Promise.allSettled([...inflight]);
    },
  };
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

export function rpcClient(nc: NatsConnection, defaultTimeoutMs = 5_000): RpcClient {
  return {
    async call<T>(
      service: ServiceName,
      method: string,
      payload: unknown,
      ctx: RpcContext,
      timeoutMs = defaultTimeoutMs,
    ): Promise<T> {
      const h = natsHeaders();
      h.set(HEADERS.tenant, ctx.tenant);
      h.set(HEADERS.principal, ctx.principal);
      h.set(HEADERS.requestId, ctx.requestId);
      let msg: Msg;
      try {
        msg = await nc.request(rpcSubject(service, method), JSON.stringify(payload ?? {}), {
          timeout: timeoutMs,
          headers: h,
        });
      } catch (error) {
        if (error instanceof RequestError && error.isNoResponders()) {
          throw new AppError("unavailable", `the ${service} service is not running`, undefined, {
            cause: error,
          });
        }
        if (error instanceof TimeoutError || (error as Error).cause instanceof TimeoutError) {
          throw new AppError(
            "deadline_exceeded",
            `the ${service} service did not answer ${method} within ${timeoutMs} ms`,
            undefined,
            { cause: error },
          );
        }
        throw new AppError("unavailable", `cannot reach the ${service} service`, undefined, {
          cause: error,
        });
      }
      const reply = msg.json<RpcReply<T>>();
      if (reply.ok) return reply.data;
      throw AppError.fromBody(reply.error);
    },
  };
}

/** The caller's tenant; every query that touches user data filters by it. */
export function requireTenant(ctx: RpcContext): string {
  if (!ctx.tenant) throw new AppError("invalid_argument", "the request carries no tenant");
  return ctx.tenant;
}
