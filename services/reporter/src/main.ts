/** @module Reporter process. */
import { loadConfig } from "./config.js";
import { startReporter } from "./service.js";

const reporter = await startReporter(loadConfig());
reporter.runtime.shutdown.listen();
