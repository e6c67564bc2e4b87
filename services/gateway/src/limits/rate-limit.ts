/**
 * @module Fixed-window rate limits shared by every gateway replica: one counter per key and window
 * in a NATS KV bucket, advanced with compare-and-set. Requests for the same key that arrive while
 * an update is in flight are counted together in the next one, so a busy key costs round trips
 * per batch rather than per request. Each replica remembers the value and revision it last
 * wrote or read, so an update usually goes at once, compared with that revision (one round
 * trip); only when another replica counted in between does it read the counter again. A count
 * known to be over the limit refuses without asking: counters only grow within their window.
 * Old windows vanish with the bucket's TTL (the only TTL nats-server 2.9 has).
 */
import { hash } from "node:crypto";
import { BUCKETS } from "@chartly/contracts";
import type { Logger, NatsConnection } from "@chartly/platform";
import { type KV, Kvm } from "@nats-io/kv";

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window ends, when refused. */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts one request for `key` and says whether it is within `limit` for the current window. */
  consume(key: string, limit: number): Promise<RateDecision>;
}

interface Batch {
  key: string;
  limit: number;
  waiters: ((allowed: boolean) => void)[];
}

/** Counters remembered per window at most (about 100 bytes each). */
const REMEMBERED_COUNTERS = 100_000;

/** A counter as this replica last saw it. */
interface Seen {
  value: number;
  revision: number;
}

export class KvRateLimiter implements RateLimiter {
  private readonly queued = new Map<string, Batch>();
  private readonly running = new Set<string>();
  /** Counters of the current window as last written or read here; older windows are dropped. */
  private seen = new Map<string, Seen>();
  private seenWindow = -1;

  private constructor(
    private readonly kv: KV,
    private readonly windowSeconds: number,
    private readonly logger: Logger,
  ) {}

  static async open(nc: NatsConnection, windowSeconds: number, logger: Logger): Promise<KvRateLimiter> {
    // Two windows' worth: the current one and the one just ended, which a slow clock may still use.
    const kv = await new Kvm(nc).create(BUCKETS.rateLimits, { ttl: 2 * windowSeconds * 1000, history: 1 });
    return new KvRateLimiter(kv, windowSeconds, logger);
  }

  consume(key: string, limit: number): Promise<RateDecision> {
    const windowMs = this.windowSeconds * 1000;
    const window = Math.floor(Date.now() / windowMs);
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - Date.now()) / 1000));
    const counter = `${hashed(key)}.${window}`;
    if (window !== this.seenWindow) {
      this.seen = new Map();
      this.seenWindow = window;
    }
    return new Promise<boolean>((resolve) => {
      let batch = this.queued.get(counter);
      if (!batch) {
        batch = { key: counter, limit, waiters: [] };
        this.queued.set(counter, batch);
      }
      batch.waiters.push(resolve);
      void this.drain(counter);
    }).then((allowed) => ({ allowed, retryAfterSeconds }));
  }

  private async drain(counter: string): Promise<void> {
    if (this.running.has(counter)) return;
    this.running.add(counter);
    try {
      for (let batch = this.queued.get(counter); batch; batch = this.queued.get(counter)) {
        this.queued.delete(counter);
        const before = await this.add(counter, batch.waiters.length, batch.limit);
        for (const [i, resolve] of batch.waiters.entries()) resolve(before + i < batch.limit);
      }
    } finally {
      this.running.delete(counter);
    }
  }

  /** Adds `n` to the counter; returns its value before. Fails open when NATS cannot be reached. */
  private async add(counter: string, n: number, limit: number): Promise<number> {
    try {
      let known = this.seen.get(counter);
      for (let attempt = 0; attempt < 20; attempt++) {
        if (!known) {
          const entry = await this.kv.get(counter);
          if (entry?.operation !== "PUT") {
            try {
              const revision = await this.kv.create(counter, String(n));
              this.remember(counter, { value: n, revision });
              return 0;
            } catch {
              continue; // another replica created it first
            }
          }
          known = { value: Number(entry.string()) || 0, revision: entry.revision };
          this.remember(counter, known);
        }
        const before = known.value;
        // Once over the limit the count no longer matters; save the write.
        if (before >= limit) return before;
        try {
          const revision = await this.kv.update(counter, String(before + n), known.revision);
          this.remember(counter, { value: before + n, revision });
          return before;
        } catch {
          known = undefined; // another replica counted in between; read again
        }
      }
      this.logger.warn({ counter }, "rate-limit counter too contended; letting the requests through");
    } catch (error) {
      this.logger.warn({ err: error }, "rate-limit counters unreachable; letting the requests through");
    }
    return 0;
  }

  private remember(counter: string, seen: Seen): void {
    // A counter of a window that has ended meanwhile is not kept, nor a new one past the bound
    // (many client addresses in one window): those are read before each update instead.
    if (!counter.endsWith(`.${this.seenWindow}`)) return;
    if (this.seen.size >= REMEMBERED_COUNTERS && !this.seen.has(counter)) return;
    this.seen.set(counter, seen);
  }
}

/** Hashed keys remembered at most; past that the table starts over. */
const REMEMBERED_KEYS = 100_000;
const hashedKeys = new Map<string, string>();

/**
 * Key names in a bucket are restricted; principals and addresses are hashed into them. The same
 * few keys come back on every request, so their names are remembered rather than hashed again.
 */
const hashed = (key: string): string => {
  const known = hashedKeys.get(key);
  if (known !== undefined) return known;
  const at = key.indexOf(":");
  const kind = at < 0 ? key : key.slice(0, at);
  const rest = at < 0 ? "" : key.slice(at + 1);
  const name = `${kind}.${hash("sha256", rest, "hex").slice(0, 32)}`;
  if (hashedKeys.size >= REMEMBERED_KEYS) hashedKeys.clear();
  hashedKeys.set(key, name);
  return name;
};
