/** @module The fleet as heartbeats in NATS KV say it is: no drone state lives only in memory. */
import { type DroneHeartbeat, DroneHeartbeatSchema, type DroneView } from "@chartly/contracts";
import type { KV } from "@nats-io/kv";

export async function listDrones(kv: KV, livenessMs: number, now = Date.now()): Promise<DroneView[]> {
  const drones: DroneView[] = [];
  for await (const key of await kv.keys()) {
    const entry = await kv.get(key);
    if (entry?.operation !== "PUT") continue;
    const parsed = DroneHeartbeatSchema.safeParse(entry.json<DroneHeartbeat>());
    if (!parsed.success) continue;
    const silentFor = now - Date.parse(parsed.data.seenAt);
    drones.push({ ...parsed.data, status: silentFor <= livenessMs ? "alive" : "lost" });
  }
  return drones.sort((a, b) => a.id.localeCompare(b.id));
}
