/**
 * @module The leader's loop. Every tick, on the leader only: queue due slots (with pauses and
 * overrides read from Postgres, so a change made through any replica applies at once), decide
 * failed attempts, queue due retries, and every few seconds mark the runs of lost drones. Between
 * ticks it also wakes at the earliest profile's next slot and queues just the slots, so a job is
 * queued when its slot starts, not up to a tick later. On becoming leader it checks every
 * profile's due slot again and re-publishes first jobs a crash may have lost between creating a
 * run and publishing it.
 */
import type { StoredProfile } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { KV } from "@nats-io/kv";
import type { Sql } from "postgres";
import { listDrones } from "../fleet/drones.js";
import type { RunKeeper } from "../runs/keeper.js";
import { queuedRunsSince } from "../runs/store.js";
import { loadScheduleStates } from "../schedules/store.js";
import type { Dispatcher } from "./dispatcher.js";
import type { LeaderLease } from "./leader.js";

export interface ClockDeps {
  sql: Sql;
  lease: Pick<LeaderLease, "isLeader">;
  dispatcher: Dispatcher;
  keeper: RunKeeper;
  drones: KV;
  logger: Logger;
  /** The registry's profiles as last loaded, and whether they have been loaded at all. */
  profiles: () => { items: StoredProfile[]; loaded: boolean };
  tickMs: number;
  livenessMs: number;
  onQueued?: (runIds: string[]) => void;
}

/** Longest a clock step may take before the clock goes on without it. */
const STEP_DEADLINE_MS = 10_000;

/** How soon a slot that is due but was not queued is tried again between ticks. */
const PAST_SLOT_RETRY_MS = 1_000;

/** How far back a new leader looks for runs whose first job may not have been published. */
const REPUBLISH_WINDOW_MS = 3_600_000;

export class Clock {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;
  private lastSweep = 0;
  /** The slot the clock last set itself to wake for. */
  private wokeFor: number | undefined;
  /** When the last full tick (slots, decisions, retries) ran. */
  private lastFull = 0;
  private readonly sweepEveryMs: number;

  constructor(private readonly deps: ClockDeps) {
    this.sweepEveryMs = Math.max(deps.tickMs, Math.min(5_000, Math.floor(deps.livenessMs / 3)));
  }

  start(): void {
    this.stopped = false;
    void this.tick().finally(() => this.wakeLater());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sleeps until the next full tick or the earliest next slot, whichever comes first. */
  private wakeLater(): void {
    if (this.stopped) return;
    const now = Date.now();
    let wakeAt = this.lastFull + this.deps.tickMs;
    // A follower's dispatcher may remember slots from when it led: only the leader wakes for them.
    const due = this.deps.lease.isLeader() ? this.deps.dispatcher.earliestDue() : undefined;
    // A slot still there after the clock woke for it was not queued (Postgres or NATS away):
    // tried again calmly, not in a tight loop.
    const slot = due !== undefined && due <= now && due === this.wokeFor ? now + PAST_SLOT_RETRY_MS : due;
    if (slot !== undefined && slot < wakeAt) wakeAt = slot;
    this.wokeFor = due;
    this.timer = setTimeout(
      () => void this.tick().finally(() => this.wakeLater()),
      Math.max(1, Math.min(this.deps.tickMs, wakeAt - now)),
    );
  }

  /** One tick; a tick still running when the next is due is not overlapped. */
  tick(now = Date.now()): Promise<void> {
    this.running ??= this.run(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Called when this replica becomes leader. */
  async takeOver(): Promise<void> {
    const { dispatcher, sql, logger } = this.deps;
    dispatcher.forget();
    this.lastSweep = 0;
    await this.step("re-publish", async () => {
      const { items } = this.deps.profiles();
      for (const run of await queuedRunsSince(sql, new Date(Date.now() - REPUBLISH_WINDOW_MS))) {
        const profile = items.find((p) => p.tenant === run.tenant_id && p.id === run.profile_id);
        if (!profile) continue;
        const job = { id: run.id, slot: run.slot, trigger: run.trigger, maxAttempts: run.max_attempts };
        if (await dispatcher.dispatch(profile, job)) {
          logger.info({ runId: run.id }, "re-published a run whose job was lost");
        }
      }
    });
    await this.tick();
  }

  private async run(now: number): Promise<void> {
    const { lease, dispatcher, keeper, sql } = this.deps;
    const full = now - this.lastFull >= this.deps.tickMs;
    if (full) this.lastFull = now;
    if (!lease.isLeader()) return;
    const profiles = this.deps.profiles();
    await this.step("slots", async () => {
      const queued = await dispatcher.tick(profiles.items, now, await loadScheduleStates(sql));
      if (queued.length > 0) this.deps.onQueued?.(queued);
    });
    // A wake-up for a slot between ticks queues slots only.
    if (!full) return;
    await this.step("decisions", () => keeper.decideFailed());
    await this.step("retries", () =>
      keeper.queueDueRetries(
        (tenant, id) => profiles.items.find((p) => p.tenant === tenant && p.id === id),
        profiles.loaded,
      ),
    );
    if (now - this.lastSweep >= this.sweepEveryMs) {
      this.lastSweep = now;
      await this.step("lost drones", async () => {
        const drones = await listDrones(this.deps.drones, this.deps.livenessMs, now);
        const alive = drones.filter((d) => d.status === "alive").map((d) => d.id);
        await keeper.requeueRunsOfLostDrones(alive, this.deps.livenessMs);
      });
    }
  }

  /**
   * Runs one step; one that hangs (a NATS or Postgres call that never answers) is given up after
   * a deadline, so the clock goes on. Every step is idempotent, so one finishing late is harmless.
   */
  private async step(name: string, work: () => Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadlineMs = Math.max(STEP_DEADLINE_MS, 5 * this.deps.tickMs);
    try {
      await Promise.race([
        work(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result within ${deadlineMs} ms`)), deadlineMs);
        }),
      ]);
    } catch (error) {
      this.deps.logger.error({ err: error, step: name }, "clock step failed");
    } finally {
      clearTimeout(timer);
    }
  }
}
