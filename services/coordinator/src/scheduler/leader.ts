/**
 * @module Leader election among coordinator replicas: one key in the `chartly_leader` bucket.
 * A follower takes the lease with `create` (which succeeds only when the key is absent); the
 * leader renews it with `update` at its revision (compare-and-set) every third of the lease. The
 * bucket's TTL is the lease: a leader that stops renewing (crash, partition) loses the key when
 * the TTL runs out, and the next follower poll takes it. A leader stops acting as one a margin
 * before its lease can have expired on the server, so two leaders never act at the same time;
 * if they ever did, dispatch stays idempotent. On shutdown the leader deletes the key at its
 * revision, so a follower takes over at once.
 */
import { randomUUID } from "node:crypto";
import { type Logger, openLeaderBucket } from "@chartly/platform";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";

const KEY = "leader";

interface LeaseValue {
  instance: string;
  /** Tells this process's lease from another's with the same instance name. */
  token: string;
  since: string;
}

export interface Leadership {
  role: "leader" | "follower";
  /** The instance holding the lease, when known. */
  leader: string | null;
}

export class LeaderLease {
  private revision = 0;
  private validUntil = 0;
  private renewedAt = 0;
  private since = "";
  private holder: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stepping: Promise<void> | undefined;
  private stopped = false;
  private readonly token = randomUUID();
  private readonly pollMs: number;
  private readonly marginMs: number;

  constructor(
    private readonly kv: KV,
    private readonly instance: string,
    readonly leaseMs: number,
    private readonly logger: Logger,
    private readonly onChange: (leader: boolean) => void = () => {},
  ) {
    this.pollMs = Math.max(100, Math.min(1_000, Math.floor(leaseMs / 5)));
    this.marginMs = Math.max(this.pollMs, Math.floor(leaseMs / 10));
  }

  /** Opens (or creates) the bucket; an existing bucket's TTL is the lease, whatever `leaseMs` says. */
  static async open(
    nc: NatsConnection,
    instance: string,
    leaseMs: number,
    logger: Logger,
    onChange?: (leader: boolean) => void,
  ): Promise<LeaderLease> {
    const kv = await openLeaderBucket(nc, leaseMs);
    const ttl = (await kv.status()).ttl;
    if (ttl > 0 && ttl !== leaseMs) {
      logger.warn(
        { configured: leaseMs, bucket: ttl },
        "the leader bucket has another TTL; using the bucket's",
      );
    }
    return new LeaderLease(kv, instance, ttl > 0 ? ttl : leaseMs, logger, onChange);
  }

  isLeader(): boolean {
    return this.revision > 0 && Date.now() < this.validUntil;
  }

  state(): Leadership {
    return {
      role: this.isLeader() ? "leader" : "follower",
      leader: this.isLeader() ? this.instance : this.holder,
    };
  }

  /** Tries once at once, then keeps trying (follower) or renewing (leader). */
  async start(): Promise<void> {
    await this.step();
    this.timer = setInterval(() => void this.step(), this.pollMs);
  }

  /** Stops campaigning and gives the lease up, so a follower takes over without waiting for the TTL. */
  async release(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.stepping;
    const revision = this.revision;
    if (revision === 0) return;
    this.lose("released");
    try {
      await this.kv.delete(KEY, { previousSeq: revision });
    } catch (error) {
      this.logger.warn({ err: error }, "could not release the leader lease; it expires with its TTL");
    }
  }

  step(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.stepping ??= (this.revision > 0 ? this.renew() : this.campaign()).finally(() => {
      this.stepping = undefined;
    });
    return this.stepping;
  }

  private value(): string {
    const value: LeaseValue = { instance: this.instance, token: this.token, since: this.since };
    return JSON.stringify(value);
  }

  private async campaign(): Promise<void> {
    const sentAt = Date.now();
    this.since = new Date(sentAt).toISOString();
    try {
      this.revision = await this.kv.create(KEY, this.value());
      this.renewed(sentAt);
      this.holder = this.instance;
      this.logger.info({ leaseMs: this.leaseMs }, "became the leader");
      this.onChange(true);
    } catch (error) {
      if (!isWrongRevision(error)) {
        this.logger.warn({ err: error }, "cannot reach the leader lease");
        return;
      }
      this.holder = await this.currentHolder();
    }
  }

  private async renew(): Promise<void> {
    const sentAt = Date.now();
    if (sentAt - this.renewedAt < this.leaseMs / 3 && sentAt < this.validUntil) return;
    try {
      this.revision = await this.kv.update(KEY, this.value(), this.revision);
      this.renewed(sentAt);
    } catch (error) {
      if (isWrongRevision(error)) {
        // A renew that reached the server but whose answer was lost leaves our own newer value.
        const entry = await this.kv.get(KEY).catch(() => null);
        const mine = entry?.operation === "PUT" && parseValue(entry.string())?.token === this.token;
        if (entry && mine) {
          this.revision = entry.revision;
          return;
        }
        this.lose("the lease was taken over");
        return;
      }
      this.logger.warn({ err: error }, "cannot renew the leader lease");
      if (Date.now() >= this.validUntil) this.lose("the lease could not be renewed in time");
    }
  }

  private renewed(sentAt: number): void {
    this.renewedAt = sentAt;
    // The server's TTL starts no earlier than the send, so stopping a margin before it runs out
    // guarantees no follower holds the lease while this replica still acts as leader.
    this.validUntil = sentAt + this.leaseMs - this.marginMs;
  }

  private lose(reason: string): void {
    if (this.revision === 0) return;
    this.revision = 0;
    this.validUntil = 0;
    this.holder = null;
    this.logger.warn({ reason }, "no longer the leader");
    this.onChange(false);
  }

  private async currentHolder(): Promise<string | null> {
    try {
      const entry = await this.kv.get(KEY);
      return entry?.operation === "PUT" ? (parseValue(entry.string())?.instance ?? null) : null;
    } catch {
      return null;
    }
  }
}

function parseValue(text: string): LeaseValue | undefined {
  try {
    return JSON.parse(text) as LeaseValue;
  } catch {
    return undefined;
  }
}

/** JetStream's "wrong last sequence": the compare-and-set lost. */
function isWrongRevision(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 10071 || /wrong last sequence/i.test(String((error as Error)?.message ?? error));
}
