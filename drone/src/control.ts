/**
 * @module The drone's own control subject (`chartly.drone.<id>.drain|resume`): the coordinator
 * asks, the drone answers with its state, in the same `{ok, data}` shape as every RPC reply.
 */
import { type DroneControlReply, droneControlSubject, type RpcReply } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { NatsConnection } from "@nats-io/transport-node";

export interface Controllable {
  drain(): Promise<DroneControlReply>;
  resume(): Promise<DroneControlReply>;
}

export function serveDroneControl(
  nc: NatsConnection,
  id: string,
  worker: Controllable,
  logger: Logger,
): { close(): Promise<void> } {
  const answer = async (action: "drain" | "resume", reply: (data: string) => void) => {
    let body: RpcReply<DroneControlReply>;
    try {
      body = { ok: true, data: await (action === "drain" ? worker.drain() : worker.resume()) };
    } catch (error) {
      logger.error({ err: error, action }, "drone control failed");
      body = { ok: false, error: { code: "internal", message: `${action} failed` } };
    }
    reply(JSON.stringify(body));
  };
  const subscriptions = (["drain", "resume"] as const).map((action) =>
    nc.subscribe(droneControlSubject(id, action), {
      callback: (error, msg) => {
        if (error) return;
        void answer(action, (data) => msg.respond(data));
      },
    }),
  );
  return {
    async close() {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}
