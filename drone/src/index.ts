export * from "./config.js";
export * from "./engine/index.js";
export * from "./runner.js";
export * from "./service.js";
export * from "./source/index.js";
export * from "./transport/nats.js";
export * from "./transport/types.js";
export * from "./worker.js";
