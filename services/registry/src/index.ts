export * from "./config.js";
export * from "./profiles/parse.js";
export * from "./service.js";
