/**
 * @module The clock's hand: on every tick, each enabled, unpaused profile whose due slot has not
 * been dispatched gets one run row and one job. Both are idempotent (run id = profile + slot,
 * `Nats-Msg-Id` = run id), so replicas, restarts, failovers and retries never queue a slot twice.
 */
import { DEFAULT_POOL, type Job, jobSubject, type RunEvent, type StoredProfile } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import { storedCursor } from "../runs/cursors.js";
import { publishRunEvent } from "../runs/events.js";
import { createRun, type NewRun } from "../runs/store.js";
import {
  effectiveSchedule,
  maxAttemptsOf,
  type ScheduleStates,
  scheduleKey,
} from "../schedules/effective.js";
import { dueSlot, nextSlot, scheduledRunId } from "./slots.js";

/** One attempt of a run, as a job on `JOBS`. */
export interface JobAttempt {
  id: string;
  slot: Date;
  trigger: NewRun["trigger"];
  attempt: number;
}

/** Message id of an attempt's job: the run id for the first, so a slot is queued once. */
export const jobMessageId = (runId: string, attempt: number): string =>
  attempt <= 1 ? runId : `${runId}:${attempt}`;

export class Dispatcher {
  private readonly lastSlot = new Map<string, number>();
  /**
   * When each profile's next slot starts, for the schedule it was computed with: a tick skips
   * profiles with nothing due, and the clock sleeps until the earliest of them.
   */
  private readonly nextAt = new Map<string, { at: number; schedule: string }>();
  private readonly unusable = new Set<string>();

  constructor(
    private readonly sql: Sql,
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
  ) {}

  /** Forgets what it dispatched, so a new leader checks every profile's due slot once. */
  forget(): void {
    this.lastSlot.clear();
    this.nextAt.clear();
  }

  /** When the earliest next slot among the profiles of the last tick starts, if any. */
  earliestDue(): number | undefined {
    let earliest: number | undefined;
    for (const { at } of this.nextAt.values()) if (earliest === undefined || at < earliest) earliest = at;
    return earliest;
  }

  /** Dispatches every due slot; returns the run ids queued. */
  async tick(
    profiles: StoredProfile[],
    now = Date.now(),
    schedules: ScheduleStates = new Map(),
  ): Promise<string[]> {
    const queued: string[] = [];
    const seen = new Set<string>();
    for (const profile of profiles) {
      if (!profile.enabled) continue;
      const key = scheduleKey(profile.tenant, profile.id);
      const state = schedules.get(key);
      if (state?.paused) continue;
      seen.add(key);
      const schedule = effectiveSchedule(profile, state);
      const shape = `${schedule.every}|${schedule.jitter}|${schedule.cron}|${schedule.timezone}`;
      const next = this.nextAt.get(key);
      if (next && next.schedule === shape && now < next.at) continue;
      const remember = () => {
        const at = nextSlot(schedule, profile.id, now)?.getTime();
        if (at !== undefined && at > now) this.nextAt.set(key, { at, schedule: shape });
        else this.nextAt.delete(key);
      };
      let slot: Date | undefined;
      try {
        slot = dueSlot(schedule, profile.id, now);
      } catch (error) {
        this.warnUnusable(key, schedule.cron ?? schedule.every ?? "", error);
        continue;
      }
      if (!slot || this.lastSlot.get(key) === slot.getTime()) {
        remember();
        continue;
      }
      try {
        const runId = scheduledRunId(profile.tenant, profile.id, slot);
        const run = { id: runId, slot, trigger: "schedule" as const, maxAttempts: maxAttemptsOf(schedule) };
        if (await this.dispatch(profile, run)) queued.push(runId);
        this.lastSlot.set(key, slot.getTime());
        remember();
      } catch (error) {
        // Left unmarked, so the next tick tries again.
        this.nextAt.delete(key);
        this.logger.error({ err: error, profileId: profile.id }, "dispatch failed");
      }
    }
    // Profiles removed, disabled or paused since: their slots no longer wake the clock.
    for (const key of this.nextAt.keys()) if (!seen.has(key)) this.nextAt.delete(key);
    return queued;
  }

  /**
   * Creates the run and publishes its first job, unless the run has moved on (started, finished,
   * or queued again by a retry or a lost drone, whose job is already in the stream).
   */
  async dispatch(
    profile: StoredProfile,
    run: { id: string; slot: Date; trigger: NewRun["trigger"]; maxAttempts: number },
  ): Promise<boolean> {
    const { created, status, attempt } = await createRun(this.sql, {
      ...run,
      tenant: profile.tenant,
      profileId: profile.id,
      profileVersion: profile.version,
    });
    if (!created && !(status === "queued" && attempt === 0)) return false;
    const queued: RunEvent = {
      type: "run.queued",
      runId: run.id,
      tenant: profile.tenant,
      profileId: profile.id,
      attempt: 1,
      at: new Date().toISOString(),
      reason: run.trigger,
    };
    // Announced before the job goes out, so `queued` comes before the drone's `started`; a run
    // found queued again (a crash before its publish) is announced only if its job was lost.
    if (created) await publishRunEvent(this.js, queued);
    const ack = await this.publishJob(profile, { ...run, attempt: 1 });
    if (!created && !ack.duplicate) await publishRunEvent(this.js, queued);
    if (!ack.duplicate)
      this.logger.info({ runId: run.id, profileId: profile.id, slot: run.slot.toISOString() }, "run queued");
    return !ack.duplicate;
  }

  /** Publishes one attempt's job with the profile as it is now, and its stored cursor. */
  async publishJob(profile: StoredProfile, attempt: JobAttempt): Promise<PubAck> {
    const cursor = await storedCursor(this.sql, profile.tenant, profile.id, profile.spec.incremental);
    const job: Job = {
      runId: attempt.id,
      tenant: profile.tenant,
      profileId: profile.id,
      profileVersion: profile.version,
      slot: attempt.slot.toISOString(),
      trigger: attempt.trigger,
      attempt: attempt.attempt,
      ...(cursor !== undefined ? { cursor } : {}),
      spec: profile.spec,
    };
    // The profile's pool picks the work queue, so only that pool's drones ever see the job.
    return this.js.publish(jobSubject(profile.spec.pool ?? DEFAULT_POOL), JSON.stringify(job), {
      msgID: jobMessageId(attempt.id, attempt.attempt),
    });
  }

  private warnUnusable(key: string, expression: string, error: unknown): void {
    const warning = `${key} ${expression}`;
    if (this.unusable.has(warning)) return;
    this.unusable.add(warning);
    this.logger.warn(
      { err: error, profile: key, schedule: expression },
      "schedule cannot be followed; skipping it",
    );
  }
}
