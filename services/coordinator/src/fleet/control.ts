/** @module Asking one drone to drain or resume: a request on its own subject, answered by the drone. */
import {
  type DroneControlReply,
  DroneControlReplySchema,
  droneControlSubject,
  type RpcReply,
} from "@chartly/contracts";
import { AppError } from "@chartly/platform";
import { type NatsConnection, RequestError } from "@nats-io/transport-node";

/** A draining drone answers once its last pull has settled, which takes up to a couple of seconds. */
const CONTROL_TIMEOUT_MS = 4_000;

export async function controlDrone(
  nc: NatsConnection,
  id: string,
  action: "drain" | "resume",
): Promise<DroneControlReply> {
  try {
    const msg = await nc.request(droneControlSubject(id, action), "", { timeout: CONTROL_TIMEOUT_MS });
    const reply = msg.json<RpcReply<unknown>>();
    if (!reply.ok) throw AppError.fromBody(reply.error);
    return DroneControlReplySchema.parse(reply.data);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const noResponders = error instanceof RequestError && error.isNoResponders();
    throw new AppError(
      "unavailable",
      noResponders ? `drone ${id} is not connected` : `drone ${id} did not answer ${action}`,
      undefined,
      { cause: error },
    );
  }
}
