export * from "./config.js";
export * from "./ingest/dims-key.js";
export * from "./ingest/partitions.js";
export * from "./ingest/series-cache.js";
export * from "./ingest/writer.js";
export * from "./queries/series.js";
export * from "./service.js";
export * from "./storage/rollups.js";
