/**
 * @module What happens to a run after its attempt: a failed attempt is retried with exponential
 * backoff until `maxAttempts`, then the run is `dead`; a retry that is due gets its next job; a
 * run whose drone was lost is marked re-queued (JetStream redelivers its job when the lease
 * expires); a job delivered MaxDeliver times is dead. Only the leader calls these, and each
 * change is a guarded update, so even two leaders at once would not decide anything twice.
 */
import type { StoredProfile } from "@chartly/contracts";
import type { Logger } from "@chartly/platform";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Sql } from "postgres";
import type { Dispatcher } from "../scheduler/dispatcher.js";
import { eventOfChange, publishRunEvent } from "./events.js";
import {
  type ChangedRun,
  type DueRetry,
  decideFailedRuns,
  dueRetries,
  markRetriesQueued,
  markRunDead,
  requeueRunsOfLostDrones,
} from "./store.js";

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export type FindProfile = (tenant: string, profileId: string) => StoredProfile | undefined;

export class RunKeeper {
  constructor(
    private readonly sql: Sql,
    private readonly js: JetStreamClient,
    private readonly dispatcher: Dispatcher,
    private readonly logger: Logger,
    private readonly backoff: Backoff,
  ) {}

  /** Failed attempts become `retrying` (attempts left) or `dead`. */
  async decideFailed(): Promise<ChangedRun[]> {
    const changed = await decideFailedRuns(this.sql, this.backoff);
    for (const run of changed) {
      const log = this.logger.child({ runId: run.id, profileId: run.profile_id, attempt: run.attempt });
      if (run.status === "retrying") log.info({ retryAt: run.next_attempt_at }, "run will be retried");
      else log.warn({ error: run.error_code }, "run is dead: no attempts left");
    }
    await this.announce(changed);
    return changed;
  }

  /**
   * Publishes the next attempt of every retry that is due, with the profile as it is now. A run
   * whose profile is gone is dead; while the profile list is unknown, retries wait.
   */
  async queueDueRetries(findProfile: FindProfile, profilesKnown: boolean): Promise<string[]> {
    const published: (DueRetry & { profileVersion: number })[] = [];
    for (const retry of await dueRetries(this.sql)) {
      const profile = findProfile(retry.tenant_id, retry.profile_id);
      if (!profile) {
        if (profilesKnown) {
          await this.markDead(retry.id, {
            code: "profile_gone",
            message: `profile ${retry.profile_id} no longer exists; attempt ${retry.attempt + 1} was not queued`,
          });
        }
        continue;
      }
      const attempt = retry.attempt + 1;
      // Announced first: a drone may start the attempt before the row says queued.
      await publishRunEvent(this.js, {
        type: "run.queued",
        runId: retry.id,
        tenant: retry.tenant_id,
        profileId: retry.profile_id,
        attempt,
        at: new Date().toISOString(),
        reason: "retry",
      });
      await this.dispatcher.publishJob(profile, {
        id: retry.id,
        slot: retry.slot ?? new Date(),
        trigger: retry.trigger,
        attempt,
      });
      this.logger.info({ runId: retry.id, attempt }, "retry queued");
      published.push({ ...retry, profileVersion: profile.version });
    }
    // A run whose attempt has already started (a fast drone) is left as the drone's event put it.
    await markRetriesQueued(this.sql, published);
    return published.map((r) => r.id);
  }

  /** Marks the running runs of every drone not in `alive` as re-queued. */
  async requeueRunsOfLostDrones(alive: string[], livenessMs: number): Promise<ChangedRun[]> {
    const changed = await requeueRunsOfLostDrones(this.sql, alive, livenessMs);
    for (const run of changed) {
      this.logger.warn(
        { runId: run.id, droneId: run.drone_id, attempt: run.attempt },
        "drone lost during a run; its job will be redelivered",
      );
    }
    await this.announce(changed);
    return changed;
  }

  async markDead(runId: string, error: { code: string; message: string }): Promise<ChangedRun | undefined> {
    const changed = await markRunDead(this.sql, runId, error);
    if (changed) {
      this.logger.warn({ runId, error: error.code, reason: error.message }, "run is dead");
      await this.announce([changed]);
    }
    return changed;
  }

  private async announce(changed: ChangedRun[]): Promise<void> {
    const at = new Date();
    for (const run of changed) await this.publish(eventOfChange(run, at));
  }

  /** The row is the truth; an event that cannot be published is logged, not retried. */
  private async publish(event: Parameters<typeof publishRunEvent>[1]): Promise<void> {
    try {
      await publishRunEvent(this.js, event);
    } catch (error) {
      this.logger.error({ err: error, runId: event.runId, type: event.type }, "cannot publish a run event");
    }
  }
}
