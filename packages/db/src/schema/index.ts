export * from "./profiles.js";
export * from "./runs.js";
export * from "./series.js";
