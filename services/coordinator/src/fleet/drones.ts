/**
 * @module The fleet as heartbeats in NATS KV say it is: no drone state lives only in a
 * coordinator's memory, so a restarted or newly elected coordinator sees the same fleet.
 */
import { type DroneHeartbeat, DroneHeartbeatSchema, type DroneView } from "@chartly/contracts";
import type { KV } from "@nats-io/kv";

/** A heartbeat as the fleet shows it: `lost` when older than the liveness window. */
export function droneView(beat: DroneHeartbeat, livenessMs: number, now = Date.now()): DroneView {
  const silentFor = now - Date.parse(beat.seenAt);
  return { ...beat, status: silentFor <= livenessMs ? "alive" : "lost" };
}

export async function listDrones(kv: KV, livenessMs: number, now = Date.now()): Promise<DroneView[]> {
  const drones: DroneView[] = [];
  for await (const key of await kv.keys()) {
    const drone = await getDrone(kv, key, livenessMs, now);
    if (drone) drones.push(drone);
  }
  return drones.sort((a, b) => a.id.localeCompare(b.id));
}

export async function getDrone(
  kv: KV,
  id: string,
  livenessMs: number,
  now = Date.now(),
): Promise<DroneView | undefined> {
  const entry = await kv.get(id);
  if (entry?.operation !== "PUT") return undefined;
  const parsed = DroneHeartbeatSchema.safeParse(entry.json<DroneHeartbeat>());
  return parsed.success ? droneView(parsed.data, livenessMs, now) : undefined;
}
