/**
 * @module One sequence of pages: the source's request for one set of variables (once, or once
 * per fan-out value), followed page after page as the pagination says, each page's records sent
 * on before the next page is asked for. A page whose bytes repeat an earlier page's, or a cursor
 * or next URL that comes back, ends the run `partial` (a server looping would otherwise never
 * stop); a JSON or XML page is checked before its records are used, a streamed page after.
 */

import { send } from "../source/client.js";
import { describeRequest, fail, ok, type Result } from "../source/failure.js";
import type { Exchanged } from "../source/http.js";
import { openPage, type Page } from "../source/page.js";
import { paginator } from "../source/paginate.js";
import { buildRequest, type PageRequest } from "../source/request.js";
import type { VariableValue } from "../source/template.js";
import type { RunContext } from "./context.js";
import { limitReached } from "./limits.js";
import { emitRecords } from "./records.js";

export async function readSequence(
  context: RunContext,
  vars: Record<string, VariableValue | undefined>,
): Promise<Result<void>> {
  const { source } = context.job.spec;
  const { counters, limits } = context;
  const pages = paginator(source.pagination);
  let request: PageRequest = pages.first();
  for (let number = 1; ; number++) {
    if (counters.pages >= limits.maxPages) return { ok: false, failure: limitReached.pages(limits) };
    const plan = buildRequest(source, { vars, secrets: context.secrets }, request);
    if (!plan.ok) return plan;
    const where = describeRequest(plan.value.method, plan.value.url);
    const opened = await send<{ page: Page; exchanged: Exchanged }>(
      plan.value,
      async (exchanged) => {
        const page = await openPage(exchanged, {
          format: source.format,
          encoding: source.encoding,
          csv: source.csv,
          xml: source.xml,
          path: context.job.spec.records.path,
          spend: context.spend,
          where,
          exchange: context.client.exchange,
        });
        return page.ok ? ok({ page: page.value, exchanged }) : page;
      },
      context.client,
    );
    if (!opened.ok) return opened;
    const { page, exchanged } = opened.value;
    counters.pages++;

    const repeated = () =>
      fail<void>(
        "pagination_loop",
        `page ${number} of ${where} repeated an earlier page (same body); pagination stopped`,
        true,
      );
    if (!page.streamed && pages.repeats(page.fingerprint())) return repeated();
    const emitted = await emitRecords(context, page.items, vars);
    if (!emitted.ok) return emitted;
    if (page.streamed && pages.repeats(page.fingerprint())) return repeated();

    const step = pages.next({
      url: exchanged.url,
      document: page.document,
      linkHeader: exchanged.response.headers.get("link"),
      records: emitted.value,
    });
    if (step.kind === "stop") {
      counters.pageStops[step.reason] = (counters.pageStops[step.reason] ?? 0) + 1;
      return ok(undefined);
    }
    if (step.kind === "loop")
      return fail("pagination_loop", `${where}: ${step.reason}; pagination stopped`, true);
    request = step.request;
  }
}
