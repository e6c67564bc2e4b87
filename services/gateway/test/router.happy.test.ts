import { Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { describe, expect, it } from "vitest";
import { RememberingRouter } from "../src/router.js";

/** Counts the matches that reach the router underneath. */
class CountingRouter extends TrieRouter<string> {
  matches = 0;
  override match(method: string, path: string) {
    this.matches++;
    return super.match(method, path);
  }
}

describe("the gateway's router", () => {
  it("asks the router underneath once per (method, path) and gives the same routes after", () => {
    const inner = new CountingRouter();
    const router = new RememberingRouter(inner);
    router.add("ALL", "/api/v1/*", "guard");
    router.add("GET", "/api/v1/series/:id", "series");
    router.add("GET", "/api/v1/forecasts/runs/:id", "run");
    router.add("GET", "/api/v1/forecasts/:id", "forecast");

    const first = router.match("GET", "/api/v1/series/7");
    const again = router.match("GET", "/api/v1/series/7");
    expect(again).toBe(first);
    expect(inner.matches).toBe(1);
    expect(first[0].map(([handler, params]) => [handler, { ...params }])).toEqual([
      ["guard", {}],
      ["series", { id: "7" }],
    ]);

    // Another path, another method: each is matched on its own.
    expect(router.match("GET", "/api/v1/series/8")[0][1]?.[1]).toEqual({ id: "8" });
    expect(router.match("POST", "/api/v1/series/7")[0].map(([handler]) => handler)).toEqual(["guard"]);
    expect(router.match("GET", "/api/v1/forecasts/runs/3")[0].map(([handler]) => handler)).toEqual([
      "guard",
      "run",
    ]);
    expect(inner.matches).toBe(4);
  });

  it("forgets what it matched when a route is added", () => {
    const inner = new CountingRouter();
    const router = new RememberingRouter(inner);
    router.add("GET", "/a/:id", "a");
    expect(router.match("GET", "/a/b")[0].map(([handler]) => handler)).toEqual(["a"]);
    router.add("GET", "/a/b", "b");
    expect(router.match("GET", "/a/b")[0].map(([handler]) => handler)).toEqual(["a", "b"]);
    expect(inner.matches).toBe(2);
  });

  it("stays bounded: a client walking through ids never grows it without limit", () => {
    const inner = new CountingRouter();
    const router = new RememberingRouter(inner);
    router.add("GET", "/series/:id", "series");
    for (let id = 0; id < 10_000; id++) router.match("GET", `/series/${id}`);
    // The table started over, so the earliest paths are matched again; the latest are kept.
    router.match("GET", "/series/0");
    expect(inner.matches).toBe(10_001);
    router.match("GET", "/series/9999");
    expect(inner.matches).toBe(10_001);
  });

  it("serves a Hono app: parameters reach each request, whichever came first", async () => {
    const app = new Hono({ router: new RememberingRouter() });
    app.get("/series/:id", (c) => c.text(`series ${c.req.param("id")}`));
    app.get("/series/:id/points", (c) => c.text(`points of ${c.req.param("id")}`));
    for (const id of ["1", "2", "1", "caf%C3%A9", "1"]) {
      expect(await (await app.request(`/series/${id}`)).text()).toBe(`series ${decodeURIComponent(id)}`);
      expect(await (await app.request(`/series/${id}/points`)).text()).toBe(
        `points of ${decodeURIComponent(id)}`,
      );
    }
    expect((await app.request("/nothing")).status).toBe(404);
  });
});
