/**
 * @module One page's items on their way to the sink: shaped into records, filtered and computed
 * by the profile's expressions, normalised, counted (records in, skip reasons) and added to the
 * sink until `limits.maxRecords`. A page read whole is walked synchronously, awaiting only to
 * publish a full batch or to evaluate expressions; a streamed page's parse or read failure
 * arrives here as a thrown SourceStop and leaves as a value.
 */
import { shaper } from "../engine/index.js";
import { type Failure, ok, type Result, SourceStop } from "../source/failure.js";
import type { VariableValue } from "../source/template.js";
import type { RunContext } from "./context.js";
import { limitReached } from "./limits.js";

/** Returns the number of items the page held (what its page size counts). */
export async function emitRecords(
  context: RunContext,
  items: unknown[] | AsyncIterable<unknown>,
  vars: Record<string, VariableValue | undefined>,
): Promise<Result<number>> {
  const emit = itemEmitter(context, vars);
  let count = 0;
  try {
    if (Array.isArray(items)) {
      for (const item of items) {
        count++;
        const stop = emit.sync ? emit.sync(item) : await emit.async(item);
        if (stop) return { ok: false, failure: stop };
        if (context.sink.full) await context.sink.flush();
      }
    } else {
      for await (const item of items) {
        count++;
        const stop = emit.sync ? emit.sync(item) : await emit.async(item);
        if (stop) return { ok: false, failure: stop };
        if (context.sink.full) await context.sink.flush();
      }
    }
  } catch (error) {
    if (error instanceof SourceStop) return { ok: false, failure: error.failure };
    throw error;
  }
  return ok(count);
}

/** Handles one item; returns why the run must stop, if it must. */
type Emit = (item: unknown) => Failure | undefined;

function itemEmitter(
  context: RunContext,
  vars: Record<string, VariableValue | undefined>,
): { sync: Emit; async?: never } | { sync?: never; async: (item: unknown) => Promise<Failure | undefined> } {
  const { counters, expressions, normalise, sink, signal, limits, cursor } = context;
  const shape = shaper(context.job.spec.records.shape);
  const skip = (kind: string) => {
    counters.skipped[kind] = (counters.skipped[kind] ?? 0) + 1;
  };
  const accept = (raw: unknown, computed?: ReadonlyMap<string, unknown>): Failure | undefined => {
    const result = normalise(raw, computed);
    if (result.record) {
      if (!sink.add(result.record)) return limitReached.records(limits);
      for (const kind of result.nulls ?? []) counters.nulls[kind] = (counters.nulls[kind] ?? 0) + 1;
      cursor?.observe(raw, result.record);
      return undefined;
    }
    if (result.kind) skip(result.kind);
    return undefined;
  };
  const aborted = (): Failure | undefined => {
    if (!signal.aborted) return undefined;
    const reason: unknown = signal.reason;
    return reason instanceof SourceStop
      ? reason.failure
      : { code: "run_aborted", message: "the run was stopped" };
  };

  if (!expressions) {
    return {
      sync(item) {
        const stopped = aborted();
        if (stopped) return stopped;
        for (const raw of shape(item)) {
          counters.recordsIn++;
          const stop = accept(raw);
          if (stop) return stop;
        }
        return undefined;
      },
    };
  }
  return {
    async async(item) {
      const stopped = aborted();
      if (stopped) return stopped;
      for (const raw of shape(item)) {
        counters.recordsIn++;
        const evaluated = await expressions.evaluate(raw, vars);
        if (evaluated.error !== undefined) {
          skip("expression failed");
          continue;
        }
        if (!evaluated.keep) {
          skip("filtered out");
          continue;
        }
        const stop = accept(raw, evaluated.computed);
        if (stop) return stop;
      }
      return undefined;
    },
  };
}
