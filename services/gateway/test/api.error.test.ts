import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../src/app.js";
import { as, KEYS, startWorld, type World } from "./harness.js";

interface Problem {
  type: string;
  code: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: { in?: string; pointer: string; message: string }[];
}

describe("errors as problem+json", () => {
  let world: World;
  let app: App;
  beforeAll(async () => {
    world = await startWorld();
    app = await world.app({ MAX_REQUEST_SIZE: "1kb" });
  });
  afterAll(() => world.close());

  const problem = async (response: Response) => {
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = (await response.json()) as Problem;
    expect(body.requestId).toBe(response.headers.get("x-request-id"));
    expect(body.type).toBe(`https://chartly.dev/problems/${body.code}`);
    expect(body.status).toBe(response.status);
    return body;
  };

  it("maps a service's error code to its HTTP status", async () => {
    const response = await app.request("/api/v1/profiles/nope", as(KEYS.reader));
    expect(response.status).toBe(404);
    expect(await problem(response)).toMatchObject({
      code: "not_found",
      detail: "profile nope was not found",
    });
  });

  it("answers 503 when the owning service is not running", async () => {
    const bare = await startWorld({ standIns: false });
    try {
      const response = await (await bare.app()).request("/api/v1/series", as(KEYS.reader));
      expect(response.status).toBe(503);
      expect(await problem(response)).toMatchObject({
        code: "unavailable",
        detail: "the aggregator service is not running",
      });
    } finally {
      await bare.close();
    }
  });

  it("points at each bad query parameter", async () => {
    const response = await app.request("/api/v1/series?limit=0&colour=red", as(KEYS.reader));
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.code).toBe("invalid_argument");
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: "query", pointer: "/limit" }),
        expect.objectContaining({ in: "query", pointer: "/colour" }),
      ]),
    );
  });

  it("points at each bad body field", async () => {
    const response = await app.request(
      "/api/v1/keys",
      as(KEYS.admin, { body: { name: "", roles: ["root"] } }),
    );
    expect(response.status).toBe(400);
    const body = await problem(response);
    expect(body.errors?.map((e) => `${e.in} ${e.pointer}`).sort()).toEqual(["body /name", "body /roles/0"]);
  });

  it("refuses a body that is not JSON", async () => {
    const response = await app.request("/api/v1/keys", {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.admin}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect((await problem(response)).code).toBe("invalid_argument");
  });

  it("refuses a body of another media type with 415", async () => {
    const response = await app.request("/api/v1/keys", {
      method: "POST",
      headers: { authorization: `Bearer ${KEYS.admin}`, "content-type": "text/plain" },
      body: "hello",
    });
    expect(response.status).toBe(415);
    expect((await problem(response)).code).toBe("unsupported_media_type");
  });

  it("refuses a body larger than MAX_REQUEST_SIZE with 413, saying so", async () => {
    const response = await app.request(
      "/api/v1/keys",
      as(KEYS.admin, { body: { name: "x".repeat(2000), roles: ["reader"] } }),
    );
    expect(response.status).toBe(413);
    const body = await problem(response);
    expect(body.code).toBe("payload_too_large");
    expect(body.detail).toBe(
      "the request body is larger than the 1024 bytes this gateway accepts (MAX_REQUEST_SIZE)",
    );
  });

  it("answers 404 problem+json for an unknown route", async () => {
    const response = await app.request("/api/v2/nothing");
    expect(response.status).toBe(404);
    expect(await problem(response)).toMatchObject({
      code: "not_found",
      detail: "no route GET /api/v2/nothing",
    });
  });
});
