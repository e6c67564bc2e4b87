/**
 * @module An edge drone's outbox: what it must tell the control plane (record batches, run
 * events, completed jobs), kept on disk until the gateway has taken it. Each entry is one file
 * named by its sequence number, written to a temporary name, fsynced, renamed into place and the
 * directory fsynced, so an entry is either whole on disk or absent, even after a power cut.
 * Entries are handed out oldest first and removed only once sent.
 */
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RecordBatch, RunEvent } from "@chartly/contracts";

export type OutboxEntry =
  | { kind: "batch"; lease: string; batch: RecordBatch }
  | { kind: "event"; lease: string; event: RunEvent }
  | { kind: "complete"; lease: string };

const ENTRY = /^(\d{16})\.json$/;

/** An entry on disk that cannot be read back (a damaged disk, a hand edit): it is set aside. */
export class UnreadableEntryError extends Error {
  override name = "UnreadableEntryError";
  constructor(
    readonly seq: number,
    cause: unknown,
  ) {
    super(`outbox entry ${seq} cannot be read: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
const REJECTED = "rejected";

export class Outbox {
  /** Sequence numbers on disk, oldest first. */
  private readonly queue: number[] = [];
  private next: number;

  private constructor(
    readonly dir: string,
    existing: number[],
    lastRejected: number,
  ) {
    this.queue = existing.sort((a, b) => a - b);
    // Numbering goes on after entries set aside too, so a new one never takes a refused one's name.
    this.next = Math.max(this.queue.at(-1) ?? 0, lastRejected) + 1;
  }

  /** Opens (or creates) the outbox in `dir`, dropping half-written entries of an earlier crash. */
  static async open(dir: string): Promise<Outbox> {
    await mkdir(join(dir, REJECTED), { recursive: true });
    const existing: number[] = [];
    for (const name of await readdir(dir)) {
      const match = ENTRY.exec(name);
      if (match) existing.push(Number(match[1]));
      else if (name.endsWith(".tmp")) await rm(join(dir, name), { force: true });
    }
    let lastRejected = 0;
    for (const name of await readdir(join(dir, REJECTED))) {
      const match = ENTRY.exec(name);
      if (match) lastRejected = Math.max(lastRejected, Number(match[1]));
    }
    return new Outbox(dir, existing, lastRejected);
  }

  /** Entries not yet sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** Stores an entry durably; resolves once it is on disk. */
  async append(entry: OutboxEntry): Promise<void> {
    const seq = this.next++;
    const path = this.path(seq);
    const temporary = `${path}.tmp`;
    const file = await open(temporary, "w");
    try {
      await file.writeFile(JSON.stringify(entry));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await this.syncDir();
    // Appends of different runs may finish out of order; each run's own entries are awaited in turn.
    const at = this.queue.findIndex((s) => s > seq);
    if (at === -1) this.queue.push(seq);
    else this.queue.splice(at, 0, seq);
  }

  /** The oldest entry not yet sent; throws `UnreadableEntryError` when its file cannot be read back. */
  async oldest(): Promise<{ seq: number; entry: OutboxEntry } | undefined> {
    const seq = this.queue[0];
    if (seq === undefined) return undefined;
    try {
      return { seq, entry: JSON.parse(await readFile(this.path(seq), "utf8")) as OutboxEntry };
    } catch (error) {
      throw new UnreadableEntryError(seq, error);
    }
  }

  /** Forgets an entry the control plane has taken. */
  async remove(seq: number): Promise<void> {
    await rm(this.path(seq), { force: true });
    this.queue.splice(this.queue.indexOf(seq), 1);
  }

  /** Sets aside an entry the control plane refused for good, for an operator to look at. */
  async reject(seq: number, reason: string): Promise<void> {
    const target = join(this.dir, REJECTED, `${seq.toString().padStart(16, "0")}.json`);
    await rename(this.path(seq), target);
    await writeFile(`${target}.reason`, reason);
    this.queue.splice(this.queue.indexOf(seq), 1);
  }

  private path(seq: number): string {
    return join(this.dir, `${seq.toString().padStart(16, "0")}.json`);
  }

  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
