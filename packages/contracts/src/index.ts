/** @module Schemas, types and names shared by every Chartly process. No I/O. */
export * from "./api.js";
export * from "./duration.js";
export * from "./errors.js";
export * from "./fleet.js";
export * from "./forecasts.js";
export * from "./profile.js";
export * from "./profile-validation.js";
export * from "./profile-yaml.js";
export * from "./records.js";
export * from "./runs.js";
export * from "./schedules.js";
export * from "./subjects.js";
