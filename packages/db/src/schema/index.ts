export * from "./api-keys.js";
export * from "./audit-log.js";
export * from "./dead-letters.js";
export * from "./profiles.js";
export * from "./runs.js";
export * from "./schedules.js";
export * from "./series.js";
