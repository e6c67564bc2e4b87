/** @module What every Chartly process needs: config, logs, NATS, RPC, ops HTTP, shutdown. */
export * from "./config.js";
export * from "./cpus.js";
export * from "./errors.js";
export * from "./jetstream.js";
export * from "./logger.js";
export * from "./nats.js";
export * from "./ops-server.js";
export * from "./retry.js";
export * from "./rpc.js";
export * from "./runtime.js";
export * from "./schedule.js";
export * from "./shutdown.js";
