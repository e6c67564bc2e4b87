/** @module Coordinator process: the clock that queues runs, and the fleet's view. */
import { loadConfig } from "./config.js";
import { startCoordinator } from "./service.js";

const coordinator = await startCoordinator(loadConfig());
coordinator.runtime.shutdown.listen();
