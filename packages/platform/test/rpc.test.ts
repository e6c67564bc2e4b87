import { type NatsServer, startNatsServer } from "@chartly/testkit";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, rpcClient, serveRpc } from "../src/index.js";

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
