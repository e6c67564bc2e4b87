export * from "./dead-letters.js";
export * from "./profiles.js";
export * from "./runs.js";
export * from "./series.js";
