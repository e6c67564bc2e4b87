/**
 * @module The JetStream streams and consumers Chartly relies on, created or updated at start-up
 * by whichever process needs them first (creation is idempotent).
 */
import { BUCKETS, STREAMS } from "@chartly/contracts";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
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

/** How long the current delivery of a leased job is remembered: as long as a lease token lives. */
export const DELIVERY_TTL_MS = 7 * 24 * 3_600_000;

/** The ack subject of a JetStream delivery, which the client keeps but does not type. */
export const ackSubjectOf = (msg: JsMsg): string => (msg as unknown as { reply: string }).reply;

/**
 * Which delivery of each job message is the current one. JetStream acts on an ack, a nak or an
 * in-progress by stream sequence, whichever delivery's ack subject it came on; so a drone whose
 * lease lapsed (it was offline, or stalled) and whose job went to another drone would renew,
 * complete or hand back the newer delivery. Whoever takes a job records its delivery here, and
 * acts on it only while it is still the one recorded.
 */
export class Deliveries {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection): Promise<Deliveries> {
    return new Deliveries(await new Kvm(nc).create(BUCKETS.deliveries, { ttl: DELIVERY_TTL_MS, history: 1 }));
  }

  /** Records `msg`, just taken from `consumer`, as its job's current delivery. */
  async taken(consumer: string, msg: JsMsg): Promise<void> {
    await this.kv.put(deliveryKey(consumer, msg.seq), ackSubjectOf(msg));
  }

  /** Whether the delivery with ack subject `reply` is still its job's latest (true when none was recorded). */
  async isCurrent(consumer: string, seq: number, reply: string): Promise<boolean> {
    const entry = await this.kv.get(deliveryKey(consumer, seq));
    return entry?.operation !== "PUT" || entry.string() === reply;
  }

  /** Forgets a job that is done. */
  async done(consumer: string, seq: number): Promise<void> {
    await this.kv.delete(deliveryKey(consumer, seq));
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
