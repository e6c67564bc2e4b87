/** @module The run events the coordinator announces on `EVENTS`: queued, retrying, dead. */
import { eventSubject, type RunEvent, runEventMessageId } from "@chartly/contracts";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { ChangedRun } from "./store.js";

export async function publishRunEvent(js: JetStreamClient, event: RunEvent): Promise<void> {
  await js.publish(eventSubject("run", event.runId), JSON.stringify(event), {
    msgID: runEventMessageId(event),
  });
}

const errorOf = (run: ChangedRun) => ({
  code: run.error_code ?? "unknown",
  message: run.error_message ?? "",
});

/** The event that announces a change made by `decideFailedRuns`, `requeueRunsOfLostDrones` or `markRunDead`. */
export function eventOfChange(run: ChangedRun, at = new Date()): RunEvent {
  const base = { runId: run.id, tenant: run.tenant_id, profileId: run.profile_id, at: at.toISOString() };
  switch (run.status) {
    case "retrying":
      return {
        ...base,
        type: "run.retrying",
        attempt: run.attempt,
        retryAt: (run.next_attempt_at ?? at).toISOString(),
        error: errorOf(run),
      };
    case "dead":
      return { ...base, type: "run.dead", attempt: run.attempt, error: errorOf(run) };
    default:
      return {
        ...base,
        type: "run.queued",
        attempt: run.attempt + 1,
        reason: "drone_lost",
        ...(run.drone_id ? { droneId: run.drone_id } : {}),
      };
  }
}
