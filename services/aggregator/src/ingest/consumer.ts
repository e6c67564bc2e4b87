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

export function startIngestLoop(options: {
  consumer: Consumer;
  nc: NatsConnection;
  write: (batches: RecordBatch[]) => Promise<WriteResult>;
  logger: Logger;
  maxMessages: number;
  onWritten?: (result: WriteResult, messages: number) => void;
  /** Keeps a rejected message where people can see it (the API); failures are logged, not fatal. */
  onDeadLetter?: (letter: DeadLetter) => Promise<void>;
}): IngestLoop {
  const { consumer, nc, write, logger } = options;
  let running = true;
  let healthy = true;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  let backoff = 250;
  /** Writes one group and settles its messages; never throws. */
  const writeGroup = async (batches: RecordBatch[], messages: JsMsg[]): Promise<void> => {
    try {
      const result = await write(batches);
      for (const msg of messages) msg.ack();
      healthy = true;
      backoff = 250;
      options.onWritten?.(result, messages.length);
    } catch (error) {
      healthy = false;
      logger.error({ err: error, retryInMs: backoff }, "writing record batches failed; will retry");
      // Redeliver after the pause rather than waiting for the ack deadline.
      for (const msg of messages) msg.nak(backoff);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  };

  // Two stages overlap: while one group is written, the next is fetched and parsed. A group is
  // what arrives without a pause of more than LINGER_MS (up to maxMessages), so a short backlog
  // is written at once rather than when the pull request expires, and a long one in full groups.
  // At most one write is in flight, so a failing database stops the pulling after one more group.
  const loop = (async () => {
    let writing: Promise<void> = Promise.resolve();
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
          await writing;
          if (good.length > 0) writing = writeGroup(batches, good);
        }
      } catch (error) {
        if (!running) break;
        logger.warn({ err: error }, "fetching record batches failed");
        await sleep(1_000);
      }
    }
    await writing;
  })();

  return {
    healthy: () => healthy,
    async stop() {
      running = false;
      wake?.();
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
