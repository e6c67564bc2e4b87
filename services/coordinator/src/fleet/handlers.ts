/** @module RPC methods on the fleet: list and show drones, drain and resume one. */
import type { DroneView } from "@chartly/contracts";
import { AppError, type RpcHandler } from "@chartly/platform";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { controlDrone } from "./control.js";
import { getDrone, listDrones } from "./drones.js";

const DroneRefSchema = z.object({ id: z.string().min(1) });

export function fleetHandlers(deps: {
  nc: NatsConnection;
  drones: KV;
  /** Drained drone ids: a drone reads its key at start and with every heartbeat. */
  drains: KV;
  livenessMs: number;
}): Record<string, RpcHandler> {
  const { nc, drones, drains, livenessMs } = deps;
  /**
   * Asks the drone at once when it is on NATS; an edge drone (HTTP), or one that is down, picks
   * the stored drain up with its next heartbeat or when it starts.
   */
  const control = async (drone: DroneView, action: "drain" | "resume") => {
    if (action === "drain") await drains.put(drone.id, JSON.stringify({ since: new Date().toISOString() }));
    else await drains.delete(drone.id);
    if (drone.edge || drone.status === "lost") return;
    await controlDrone(nc, drone.id, action);
  };
  const existing = async (payload: unknown) => {
    const { id } = DroneRefSchema.parse(payload);
    const drone = await getDrone(drones, id, livenessMs).catch(() => undefined);
    if (!drone) throw AppError.notFound(`drone ${id}`);
    return drone;
  };
  return {
    "drones.list": async () => ({ items: await listDrones(drones, livenessMs) }),
    "drones.get": existing,
    /**
     * Finish current jobs, take no new ones; answers once the drone has stopped pulling. Stored,
     * so the drone stays drained through its restarts until it is resumed.
     */
    "drones.drain": async (payload) => {
      const drone = await existing(payload);
      await control(drone, "drain");
      return (await getDrone(drones, drone.id, livenessMs)) ?? drone;
    },
    "drones.resume": async (payload) => {
      const drone = await existing(payload);
      await control(drone, "resume");
      return (await getDrone(drones, drone.id, livenessMs)) ?? drone;
    },
  };
}
