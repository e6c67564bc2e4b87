/**
 * @module The bare Hono baseline of bench/gateway: "hello" on `HTTP_PORT`, served by the same
 * Node adapter as the gateway, in a process of its own like the gateway, run by plain Node like
 * the gateway's compiled output.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";

const app = new Hono();
app.get("/hello", (c) => c.text("hello"));
serve({ fetch: app.fetch, port: Number(process.env.HTTP_PORT), hostname: "127.0.0.1" }, (info) =>
  console.log(`listening on ${info.port}`),
);
