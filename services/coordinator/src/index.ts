export * from "./config.js";
export * from "./scheduler/slots.js";
export * from "./service.js";
