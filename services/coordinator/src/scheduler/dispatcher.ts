/**
 * @module The clock: on every tick, each enabled profile whose current slot has not been
 * dispatched gets one run row and one job. Both are idempotent (run id = profile + slot,
 * `Nats-Msg-Id` = run id), so replicas, restarts and retries never queue a slot twice.
 */
import { DEFAULT_POOL, type Job, jobSubject, parseDuration, type StoredProfile } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import { createRun, type NewRun } from "../runs/store.js";
import { currentSlot, jitterOffset, scheduledRunId } from "./slots.js";

export class Dispatcher {
  private readonly lastSlot = new Map<string, number>();

  constructor(
    private readonly sql: Sql,
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
  ) {}

  /** Dispatches every due slot; returns the run ids queued. */
  async tick(profiles: StoredProfile[], now = Date.now()): Promise<string[]> {
    const queued: string[] = [];
    for (const profile of profiles) {
      if (!profile.enabled) continue;
      const everyMs = parseDuration(profile.spec.schedule.every);
      if (!everyMs) continue;
      const jitterMs = profile.spec.schedule.jitter ? (parseDuration(profile.spec.schedule.jitter) ?? 0) : 0;
      const slot = currentSlot(now, everyMs, jitterOffset(profile.id, Math.min(jitterMs, everyMs)));
      const key = `${profile.tenant}/${profile.id}`;
      if (this.lastSlot.get(key) === slot.getTime()) continue;
      try {
        const runId = scheduledRunId(profile.id, slot);
        if (await this.dispatch(profile, { id: runId, slot, trigger: "schedule" })) queued.push(runId);
        this.lastSlot.set(key, slot.getTime());
      } catch (error) {
        // Left unmarked, so the next tick tries again.
        this.logger.error({ err: error, profileId: profile.id }, "dispatch failed");
      }
    }
    return queued;
  }

  /** Creates the run and publishes its job unless the run is already past `queued`. */
  async dispatch(
    profile: StoredProfile,
    run: { id: string; slot: Date; trigger: NewRun["trigger"] },
  ): Promise<boolean> {
    const { created, status } = await createRun(this.sql, {
      ...run,
      tenant: profile.tenant,
      profileId: profile.id,
      profileVersion: profile.version,
    });
    if (!created && status !== "queued") return false;
    const job: Job = {
      runId: run.id,
      tenant: profile.tenant,
      profileId: profile.id,
      profileVersion: profile.version,
      slot: run.slot.toISOString(),
      trigger: run.trigger,
      spec: profile.spec,
    };
    const ack = await this.js.publish(jobSubject(DEFAULT_POOL), JSON.stringify(job), { msgID: run.id });
    if (!ack.duplicate)
      this.logger.info({ runId: run.id, profileId: profile.id, slot: job.slot }, "run queued");
    return !ack.duplicate;
  }
}
