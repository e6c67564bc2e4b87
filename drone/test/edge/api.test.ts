import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DroneApi, DroneApiError } from "../../src/edge/api.js";

/** A control plane that answers every request with the status and body the test asks for. */
describe("the drone API client", () => {
  let server: Server;
  let baseUrl: string;
  let answer = { status: 200, body: "" };

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(answer.status, { "content-type": "application/problem+json" });
      res.end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const failure = async (status: number, body = "") => {
    answer = { status, body };
    try {
      await new DroneApi(baseUrl, "key").call("POST", "/batches", {});
    } catch (error) {
      return error as DroneApiError;
    }
    throw new Error("the call did not fail");
  };

  it("gives up for good only on what the drone API says about the entry itself", async () => {
    const refused = await failure(
      400,
      JSON.stringify({ code: "invalid_argument", detail: "the lease does not parse" }),
    );
    expect(refused).toBeInstanceOf(DroneApiError);
    expect(refused.retryable).toBe(false);
    expect(refused.message).toContain("the lease does not parse");
    expect((await failure(409)).retryable).toBe(false);
    expect((await failure(413)).retryable).toBe(false);
  });

  it("tries again when the address answers without the drone API (a wrong path, a proxy, an older replica)", async () => {
    for (const status of [404, 405, 502, 503, 401, 429]) {
      expect((await failure(status, "<html>not here</html>")).retryable, `status ${status}`).toBe(true);
    }
  });
});
