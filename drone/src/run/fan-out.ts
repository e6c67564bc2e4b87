/**
 * @module The values a fan-out runs the source's request for: a list written in the profile, or
 * the values a JSONPath picks from a first ("parent") request, such as every series id of a
 * release. Values must be strings, numbers or booleans; repeats are dropped, order is kept.
 */
import type { FanOutSpec } from "@chartly/contracts";
import { send } from "../source/client.js";
import { describeRequest, fail, ok, type Result, SourceStop } from "../source/failure.js";
import { openPage } from "../source/page.js";
import { buildRequest } from "../source/request.js";
import type { VariableValue } from "../source/template.js";
import type { RunContext } from "./context.js";
import { limitReached } from "./limits.js";

export async function fanOutValues(context: RunContext, spec: FanOutSpec): Promise<Result<VariableValue[]>> {
  if (spec.values) return ok(unique(spec.values));
  const parent = spec.from;
  if (!parent) return ok([]);
  if (context.counters.pages >= context.limits.maxPages)
    return { ok: false, failure: limitReached.pages(context.limits) };

  const plan = buildRequest(
    parent,
    { vars: context.vars, secrets: context.secrets },
    {},
    "source.fanOut.from",
  );
  if (!plan.ok) return plan;
  const where = describeRequest(plan.value.method, plan.value.url);
  const values = await send(
    plan.value,
    async (exchanged) => {
      const page = await openPage(exchanged, {
        format: parent.format,
        encoding: context.job.spec.source.encoding,
        path: parent.path,
        spend: context.spend,
        where,
        exchange: context.client.exchange,
      });
      if (!page.ok) return page;
      const picked: unknown[] = [];
      try {
        for await (const item of page.value.items) picked.push(item);
      } catch (error) {
        if (error instanceof SourceStop) return { ok: false, failure: error.failure };
        throw error;
      }
      return ok(picked);
    },
    context.client,
  );
  if (!values.ok) return values;
  context.counters.pages++;

  const scalars: VariableValue[] = [];
  for (const [index, value] of values.value.entries()) {
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;
      return fail(
        "fan_out_failed",
        `source.fanOut.from.path "${parent.path}" selected ${got} at position ${index} of ${where}; it must select strings or numbers, e.g. $.items[*].id`,
      );
    }
    scalars.push(value);
  }
  return ok(unique(scalars));
}

function unique(values: VariableValue[]): VariableValue[] {
  return [...new Set(values)];
}
