import http from "node:http";
import { Hono } from "hono";
import { stream } from "hono/streaming";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type OpsServer, Shutdown, startHttpServer } from "../src/index.js";

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A GET over a kept-alive agent, as HTTP clients that poll (drones, scripts) make them. */
const get = (agent: http.Agent, port: number, path: string) =>
  new Promise<Answer>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }),
        );
      })
      .on("error", reject);
  });

describe("the HTTP server's close", () => {
  let server: OpsServer | undefined;
  const agents: http.Agent[] = [];
  const keepAlive = () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  };

  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    await server?.close(100);
    server = undefined;
  });

  /** Requests that reached the app. */
  let seen = 0;
  const app = () => {
    const hono = new Hono();
    hono.use(async (_c, next) => {
      seen++;
      await next();
    });
    hono.get("/slow", async (c) => {
      await sleep(200);
      return c.text("slow");
    });
    hono.get("/fast", (c) => c.text("fast"));
    hono.get("/busy", async (c) => {
      await sleep(10);
      return c.text("busy");
    });
    hono.get("/stream", (c) =>
      stream(c, async (s) => {
        await s.write("first ");
        await sleep(300);
        await s.write("last");
      }),
    );
    hono.get("/never", () => new Promise<Response>(() => {}));
    return hono;
  };

  it("finishes a request under way, then takes no further request", async () => {
    server = await startHttpServer(app(), 0, "127.0.0.1");
    const agent = keepAlive();
    expect(await get(agent, server.port, "/fast")).toMatchObject({ connection: "keep-alive" });

    const slow = get(agent, server.port, "/slow");
    await sleep(50);
    const closed = server.close();
    expect(await slow).toMatchObject({ status: 200, body: "slow" });
    await closed;
    const before = seen;
    // Refused, or reset if the client tries the kept-alive connection the server just closed.
    await expect(get(agent, server.port, "/fast")).rejects.toMatchObject({
      code: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/),
    });
    expect(seen).toBe(before);
  });

  it("is not held open by a client that keeps its connection busy", async () => {
    server = await startHttpServer(app(), 0, "127.0.0.1");
    const { port } = server;
    const agent = keepAlive();
    const outcomes: string[] = [];
    const giveUp = Date.now() + 5_000;
    const client = (async () => {
      while (Date.now() < giveUp) {
        try {
          outcomes.push((await get(agent, port, "/busy")).connection ?? "");
        } catch (error) {
          outcomes.push((error as NodeJS.ErrnoException).code ?? "");
          if (outcomes.at(-1) === "ECONNREFUSED") return;
        }
      }
    })();
    // Closed while a request is under way on the kept-alive connection.
    await sleep(105);
    const started = Date.now();
    const atCall = seen;
    await server.close(30_000);
    const elapsed = Date.now() - started;
    await client;
    // Node's own close would serve this client for as long as it kept asking; here the request
    // under way finishes and at most one more, told to close, reaches the app.
    expect(elapsed).toBeLessThan(4_000);
    expect(seen - atCall).toBeLessThanOrEqual(1);
    expect(outcomes.at(-1)).toBe("ECONNREFUSED");
    expect(outcomes).toContain("keep-alive");
  });

  it("does not stay open for the idle time of a connection whose answer was already under way", async () => {
    server = await startHttpServer(app(), 0, "127.0.0.1");
    const agent = keepAlive();
    const streamed = get(agent, server.port, "/stream");
    await sleep(100);
    // The stream's headers left as keep-alive before the close; the connection is idle after it.
    const started = Date.now();
    await server.close();
    const elapsed = Date.now() - started;
    expect(await streamed).toEqual({ status: 200, connection: "keep-alive", body: "first last" });
    // Node keeps an idle connection for five seconds; the close does not wait for that.
    expect(elapsed).toBeLessThan(4_000);
  });

  it("cuts connections still open after the grace period", async () => {
    server = await startHttpServer(app(), 0, "127.0.0.1");
    const never = get(keepAlive(), server.port, "/never");
    await sleep(50);
    await server.close(300);
    await expect(never).rejects.toMatchObject({ code: "ECONNRESET" });
  });
});

describe("a shutdown", () => {
  it("stops intake first, then the rest in the reverse order they were added", async () => {
    const order: string[] = [];
    const shutdown = new Shutdown(pino({ level: "silent" }));
    const step = (name: string) => async () => {
      order.push(name);
    };
    shutdown.add("nats", step("nats"));
    shutdown.addIntake("http", step("http"));
    shutdown.add("database", step("database"));
    shutdown.addIntake("event streams", step("event streams"));
    shutdown.add("rpc", step("rpc"));
    await shutdown.stop();
    expect(order).toEqual(["event streams", "http", "rpc", "database", "nats"]);
  });
});
