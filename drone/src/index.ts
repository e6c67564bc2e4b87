export * from "./config.js";
export * from "./engine/index.js";
export * from "./fetch.js";
export * from "./runner.js";
export * from "./service.js";
