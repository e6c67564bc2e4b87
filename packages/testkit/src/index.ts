/** @module Real servers for tests: nats-server, Postgres, HTTP sources, child processes. */
export * from "./databases.js";
export * from "./http-source.js";
export * from "./nats-server.js";
export * from "./ports.js";
export * from "./postgres-server.js";
export * from "./processes.js";
