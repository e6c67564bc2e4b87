/** @module Drone process: takes jobs from its pool and runs them. */
import { loadConfig } from "./config.js";
import { startDrone } from "./service.js";

const drone = await startDrone(loadConfig());
drone.runtime.shutdown.listen();
