/** @module Aggregator process: record batches into Postgres, series queries over NATS. */
import { loadConfig } from "./config.js";
import { startAggregator } from "./service.js";

const aggregator = await startAggregator(loadConfig());
aggregator.runtime.shutdown.listen();
