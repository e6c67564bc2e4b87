/** @module Structured JSON logs (pino): one root logger per process, children per request or job. */
import { hostname } from "node:os";
import { type Logger, pino } from "pino";

export type { Logger } from "pino";

export function createLogger(service: string, level = "info", instance?: string): Logger {
  return pino({
    level,
    base: { service, instance: instance ?? defaultInstanceId() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ["*.authorization", "*.password", "*.token", "*.apiKey", "*.secret"],
      censor: "[redacted]",
    },
  });
}

export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}`;
}
