/**
 * @module Pulls record batches from `RECORDS` and hands them to the writer a group at a time;
 * messages are acknowledged only after their transaction committed. When Postgres fails, the
 * messages are left unacknowledged (the stream keeps them), pulling pauses with backoff, and
 * the service reports not ready until a write succeeds again. A message that can never be
 * applied is terminated and published to the dead-letter subject with the reason.
 */
import { type RecordBatch, RecordBatchSchema } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { Consumer, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { WriteResult } from "./writer.js";

export const DEAD_LETTER_SUBJECT = "chartly.deadletter.records";

export interface IngestLoop {
  healthy(): boolean;
  stop(): Promise<void>;
}

/** What the loop needs of a write: the things it touches, to keep writes to them in order. */
export interface Touching {
  readonly touches: ReadonlySet<string>;
}

export function startIngestLoop<P extends Touching>(options: {
  consumer: Consumer;
  nc: NatsConnection;
  /** Gathers a group of batches for one transaction (synchronous, on this thread). */
  prepare: (batches: RecordBatch[]) => P;
  /** Applies a prepared group in one transaction. */
  write: (prepared: P) => Promise<WriteResult>;
  logger: Logger;
  maxMessages: number;
  /**
   * Transactions in flight at once. Groups that touch the same series or record keys never run
   * together (the later waits), so a later value can never be overwritten by an earlier one.
   */
  concurrency?: number;
  onWritten?: (result: WriteResult, messages: number) => void;
  /** Keeps a rejected message where people can see it (the API); failures are logged, not fatal. */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
}): IngestLoop {
  const { consumer, nc, prepare, write, logger } = options;
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let running = true;
  let healthy = true;
  const sleepers = new Set<() => void>();

  /** A pause that stop() cuts short. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });

  let backoff = 250;
  /** Writes one group and settles its messages; never throws; says whether the group was stored. */
  const writeGroup = async (prepared: P, messages: JsMsg[]): Promise<boolean> => {
    try {
      const result = await write(prepared);
      for (const msg of messages) msg.ack();
      healthy = true;
      backoff = 250;
      options.onWritten?.(result, messages.length);
      return true;
    } catch (error) {
      healthy = false;
      logger.error({ err: error, retryInMs: backoff }, "writing record batches failed; will retry");
      // Redeliver after the pause rather than waiting for the ack deadline.
      for (const msg of messages) msg.nak(backoff);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
      return false;
    }
  };

  /** Writes in flight, with what each touches. */
  const inflight = new Map<Promise<boolean>, ReadonlySet<string>>();
  const overlaps = (touches: ReadonlySet<string>): Promise<boolean>[] => {
    const blocking: Promise<boolean>[] = [];
    for (const [promise, other] of inflight) {
      const [small, large] = touches.size <= other.size ? [touches, other] : [other, touches];
      for (const key of small) {
        if (large.has(key)) {
          blocking.push(promise);
          break;
        }
      }
    }
    return blocking;
  };
  /** Starts a write once a slot is free and nothing in flight touches what it touches. */
  const launch = async (prepared: P, messages: JsMsg[]): Promise<void> => {
    // Writes are only added here, one launch at a time, so once the writes that overlap this group
    // have settled nothing in flight overlaps it. They are awaited before waiting for a free slot:
    // if one failed, it will be redelivered, and this group goes back too, so that it is not
    // applied before the earlier one (even when it was only waiting for a slot meanwhile).
    const blocking = overlaps(prepared.touches);
    if (blocking.length > 0 && (await Promise.all(blocking)).includes(false)) {
      for (const msg of messages) msg.nak(backoff);
      return;
    }
    // After a failure, one write at a time until a write succeeds again.
    while (inflight.size >= (healthy ? concurrency : 1)) await Promise.race(inflight.keys());
    const promise: Promise<boolean> = writeGroup(prepared, messages).finally(() => inflight.delete(promise));
    inflight.set(promise, prepared.touches);
  };

  // The stages overlap: while groups are written, the next is fetched, parsed and prepared. A
  // group is what arrives without a pause of more than LINGER_MS (up to maxMessages), so a short
  // backlog is written at once rather than when the pull request expires, and a long one in full
  // groups. At most `concurrency` writes are in flight, so a failing database stops the pulling
  // after a few more groups.
  const loop = (async () => {
    while (running) {
      try {
        const fetched = await consumer.fetch({ max_messages: options.maxMessages, expires: 1_000 });
        const iterator = fetched[Symbol.asyncIterator]();
        let pending = iterator.next();
        let done = false;
        while (!done) {
          const first = await pending;
          if (first.done) break;
          const group: JsMsg[] = [first.value];
          pending = iterator.next();
          while (group.length < options.maxMessages) {
            const next = await withinLinger(pending);
            if (next === LINGERED) break;
            if (next.done) {
              done = true;
              break;
            }
            group.push(next.value);
            pending = iterator.next();
          }
          const batches: RecordBatch[] = [];
          const good: JsMsg[] = [];
          for (const msg of group) {
            const parsed = parseBatch(msg);
            if (parsed.ok) {
              batches.push(parsed.batch);
              good.push(msg);
            } else {
              await deadLetter(nc, msg, parsed.reason, logger, options.onDeadLetter);
            }
          }
          if (good.length > 0) await launch(prepare(batches), good);
        }
      } catch (error) {
        if (!running) break;
        logger.warn({ err: error }, "fetching record batches failed");
        await sleep(1_000);
      }
    }
    await Promise.all(inflight.keys());
  })();

  return {
    healthy: () => healthy,
    async stop() {
      running = false;
      for (const wake of [...sleepers]) wake();
      await loop;
    },
  };
}

const LINGER_MS = 20;
const LINGERED = Symbol("lingered");

/** The next message, or LINGERED when none comes within LINGER_MS (the promise stays usable). */
async function withinLinger<T>(next: Promise<T>): Promise<T | typeof LINGERED> {
  let timer: NodeJS.Timeout | undefined;
  const lingered = new Promise<typeof LINGERED>((resolve) => {
    timer = setTimeout(() => resolve(LINGERED), LINGER_MS);
  });
  try {
    return await Promise.race([next, lingered]);
  } finally {
    clearTimeout(timer);
  }
}

function parseBatch(msg: JsMsg): { ok: true; batch: RecordBatch } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = msg.json();
  } catch (error) {
    return { ok: false, reason: `not JSON: ${(error as Error).message}` };
  }
  const parsed = RecordBatchSchema.safeParse(json);
  if (parsed.success) return { ok: true, batch: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: `not a record batch: ${issue ? `/${issue.path.join("/")}: ${issue.message}` : "invalid"}`,
  };
}

export interface DeadLetter {
  stream: string;
  subject: string;
  streamSeq: number;
  reason: string;
  payload: string;
}

async function deadLetter(
  nc: NatsConnection,
  msg: JsMsg,
  reason: string,
  logger: Logger,
  keep?: (letter: DeadLetter) => Promise<void>,
): Promise<void> {
  logger.error({ subject: msg.subject, seq: msg.seq, reason }, "record batch rejected");
  const letter: DeadLetter = {
    stream: msg.info.stream,
    subject: msg.subject,
    streamSeq: msg.seq,
    reason,
    payload: new TextDecoder().decode(msg.data.subarray(0, 65_536)),
  };
  try {
    nc.publish(
      DEAD_LETTER_SUBJECT,
      JSON.stringify({ ...letter, payload: undefined, at: new Date().toISOString() }),
    );
    await keep?.(letter);
  } catch (error) {
    logger.error({ err: error, seq: msg.seq }, "could not keep the dead letter; it is in the log only");
  } finally {
    // No reason argument: servers before 2.10.4 ignore "+TERM <reason>" and would redeliver.
    msg.term();
  }
}
