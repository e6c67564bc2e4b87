/** @module Registry process: profiles from PROFILES_DIR into Postgres, served over NATS. */
import { loadConfig } from "./config.js";
import { startRegistry } from "./service.js";

const registry = await startRegistry(loadConfig());
registry.runtime.shutdown.listen();
