/** @module RPC methods on the fleet: list and show drones, drain and resume one. */
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
  livenessMs: number;
}): Record<string, RpcHandler> {
  const { nc, drones, livenessMs } = deps;
  const existing = async (payload: unknown) => {
    const { id } = DroneRefSchema.parse(payload);
    const drone = await getDrone(drones, id, livenessMs).catch(() => undefined);
    if (!drone) throw AppError.notFound(`drone ${id}`);
    return drone;
  };
  return {
    "drones.list": async () => ({ items: await listDrones(drones, livenessMs) }),
    "drones.get": existing,
    /** Finish current jobs, take no new ones; answers once the drone has stopped pulling. */
    "drones.drain": async (payload) => {
      const drone = await existing(payload);
      await controlDrone(nc, drone.id, "drain");
      return (await getDrone(drones, drone.id, livenessMs)) ?? drone;
    },
    "drones.resume": async (payload) => {
      const drone = await existing(payload);
      await controlDrone(nc, drone.id, "resume");
      return (await getDrone(drones, drone.id, livenessMs)) ?? drone;
    },
  };
}
