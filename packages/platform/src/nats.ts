/** @module The NATS connection every process holds: reconnects forever, logs its state changes. */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export type { NatsConnection } from "@nats-io/transport-node";

export async function connectNats(url: string, name: string, logger: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: url.split(",").map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    waitOnFirstConnect: true,
    // Otherwise every request builds two errors up front (for their stack traces) that a reply
    // throws away: a tenth of the gateway's CPU per request. Our RPC errors name what they were.
    noAsyncTraces: true,
  });
  logger.info({ server: nc.getServer() }, "connected to NATS");
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnect") {
        logger.warn({ status: status.type, server: status.server }, "NATS connection changed");
      } else if (status.type === "error") {
        logger.error({ error: String(status.error) }, "NATS error");
      }
    }
  })();
  return nc;
}
