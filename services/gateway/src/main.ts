/** @module Gateway process: the public HTTP API on :8090. */
import { loadConfig } from "./config.js";
import { startGateway } from "./service.js";

const gateway = await startGateway(loadConfig());
gateway.runtime.shutdown.listen();
