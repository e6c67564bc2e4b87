/**
 * @module The JetStream streams and consumers Chartly relies on, created or updated at start-up
 * by whichever process needs them first (creation is idempotent).
 */
import { BUCKETS, STREAMS } from "@chartly/contracts";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { type NatsConnection, nanos } from "@nats-io/transport-node";

const HOUR_MS = 3_600_000;

const STREAM_CONFIGS: Record<keyof typeof STREAMS, Partial<StreamConfig> & { name: string }> = {
  // One message per run; a slot's run id is its message id, so it is never queued twice.
  jobs: {
    ...STREAMS.jobs,
    subjects: [...STREAMS.jobs.subjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(HOUR_MS),
  },
  // Record batches wait here until the aggregator has committed them.
  records: {
    ...STREAMS.records,
    subjects: [...STREAMS.records.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(15 * 60_000),
    max_age: nanos(7 * 24 * HOUR_MS),
  },
  events: {
    ...STREAMS.events,
    subjects: [...STREAMS.events.subjects],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(2 * 60_000),
    max_age: nanos(7 * 24 * HOUR_MS),
  },
  // One message per (spec, series, slot), fitted by one aggregator replica, then removed.
  forecasts: {
    ...STREAMS.forecasts,
    subjects: [...STREAMS.forecasts.subjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(HOUR_MS),
  },
  // JetStream announces a job that ran out of deliveries once; kept until a coordinator acts on it.
  jobAdvisories: {
    ...STREAMS.jobAdvisories,
    subjects: [...STREAMS.jobAdvisories.subjects],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: nanos(7 * 24 * HOUR_MS),
  },
};

export async function ensureStreams(
  nc: NatsConnection,
  which: (keyof typeof STREAMS)[] = ["jobs", "records", "events"],
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  for (const key of which) {
    const config = STREAM_CONFIGS[key];
    try {
      await jsm.streams.info(config.name);
      await jsm.streams.update(config.name, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      try {
        await jsm.streams.add(config);
      } catch (addError) {
        // Another process created it between our info and add.
        if (!String(addError).includes("already in use")) throw addError;
      }
    }
  }
  return jsm;
}

/** Creates or updates a durable pull consumer. */
export async function ensurePullConsumer(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
  options: { filterSubject?: string; ackWaitMs: number; maxDeliver?: number; maxAckPending?: number },
): Promise<void> {
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: options.maxDeliver ?? -1,
    max_ack_pending: options.maxAckPending ?? 1000,
    ...(options.filterSubject ? { filter_subject: options.filterSubject } : {}),
  };
  try {
    await jsm.consumers.info(stream, durable);
    await jsm.consumers.update(stream, durable, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.consumers.add(stream, config);
  }
}

function isNotFound(error: unknown): boolean {
  return /not found/i.test(String((error as Error)?.message ?? error));
}

/** How long the latest delivery of a leased job is remembered: as long as a lease token lives. */
const DELIVERY_TTL_MS = 7 * 24 * 3_600_000;

/** The consumer, stream sequence and delivery count an ack subject names, if it is one. */
export function deliveryOf(reply: string): { consumer: string; seq: number; count: number } | undefined {
  // $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>, or with a domain and
  // an account hash after ACK and a token at the end.
  const parts = reply.split(".");
  if (parts[0] !== "$JS" || parts[1] !== "ACK") return undefined;
  const at = parts.length === 9 ? 3 : parts.length >= 12 ? 5 : -1;
  const [consumer, count, seq] = [parts[at], Number(parts[at + 1]), Number(parts[at + 2])];
  if (at < 0 || !consumer || !Number.isSafeInteger(count) || !Number.isSafeInteger(seq)) return undefined;
  return { consumer, seq, count };
}

/**
 * The latest delivery of each job an edge drone leased through the gateway. JetStream takes an
 * ack, a nak or an in-progress on any delivery's ack subject as meant for the message, so a drone
 * whose lease lapsed (it was offline) would otherwise complete, hand back or renew the delivery
 * another drone now holds. The gateway records each delivery's count as it hands the job out and
 * refuses a lease whose count is lower than the one recorded. A record that could not be written
 * only leaves that lease unguarded: it never blocks a newer one.
 */
export class Deliveries {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<Deliveries> {
    return new Deliveries(await new Kvm(nc).create(BUCKETS.deliveries, { ttl: DELIVERY_TTL_MS, history: 1 }));
  }

  /** Records the delivery `reply` names as its job's latest. */
  async taken(reply: string): Promise<void> {
    const delivery = deliveryOf(reply);
    if (delivery) await this.kv.put(deliveryKey(delivery.consumer, delivery.seq), String(delivery.count));
  }

  /** False when a later delivery of the same job was recorded after the one `reply` names. */
  async isCurrent(reply: string): Promise<boolean> {
    const delivery = deliveryOf(reply);
    if (!delivery) return true;
    const entry = await this.kv.get(deliveryKey(delivery.consumer, delivery.seq));
    return entry?.operation !== "PUT" || Number(entry.string()) <= delivery.count;
  }

  /** Forgets a job that is done. */
  async done(reply: string): Promise<void> {
    const delivery = deliveryOf(reply);
    if (delivery) await this.kv.delete(deliveryKey(delivery.consumer, delivery.seq));
  }
}

const deliveryKey = (consumer: string, seq: number) => `${consumer}.${seq}`;

/** Drone heartbeats: one key per drone; entries expire when a drone has been silent this long. */
export const DRONE_BUCKET_TTL_MS = 120_000;

export async function openDroneBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(BUCKETS.drones, { ttl: DRONE_BUCKET_TTL_MS, history: 1 });
}

/**
 * The coordinators' leader lease: one key written with compare-and-set; the bucket's TTL is the
 * lease, so a leader that stops renewing loses it without anyone deleting anything.
 */
export async function openLeaderBucket(nc: NatsConnection, leaseMs: number): Promise<KV> {
  return new Kvm(nc).create(BUCKETS.leader, { ttl: leaseMs, history: 1 });
}

/** Drained drones, one key per drone id; no TTL, since a drain lasts until it is resumed. */
export async function openDrainBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(BUCKETS.drains, { history: 1 });
}
