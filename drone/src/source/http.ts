/**
 * @module One HTTP exchange: send a planned request under the outbound guard (every hop's URL is
 * checked before sending, every connection's address when it is made), follow redirects, give up
 * after the timeout. Redirects are followed here rather than by fetch so each hop can be
 * checked, and credentials are not carried to another origin. The timeout covers the body as well,
 * so whoever reads the body learns from `timedOut()` why reading stopped.
 */
import { describeRequest, type Failure, fail, ok, type Result, SourceStop } from "./failure.js";
import { type AddressGuard, ForbiddenDestination } from "./guard.js";
import type { RequestPlan } from "./request.js";

export interface ExchangeOptions {
  timeoutMs: number;
  /** As written in the profile, for messages. */
  timeoutText: string;
  /** The run's signal: aborted when the run must stop (its time limit, shutdown). */
  signal: AbortSignal;
  guard: AddressGuard;
  maxRedirects?: number;
}

export interface Exchanged {
  response: Response;
  /** The URL that answered, after redirects. */
  url: URL;
  timedOut(): boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export async function exchange(plan: RequestPlan, options: ExchangeOptions): Promise<Result<Exchanged>> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  // Resolved only when the source redirects: most requests never need it.
  let originPrivate: boolean | undefined;
  let { method, url, body } = plan;
  const headers = { ...plan.headers };
  const maxRedirects = options.maxRedirects ?? 5;

  for (let hop = 0; ; hop++) {
    const where = describeRequest(method, url);
    const refused = options.guard.refuse(url);
    if (refused) return fail("source_forbidden", `${where}: ${refused}`);
    let response: Response;
    try {
      const init = { method, headers, body: body ?? null, redirect: "manual", signal } as const;
      // Node's fetch takes undici's `dispatcher`, which the DOM's RequestInit does not declare.
      response = await fetch(url, { ...init, dispatcher: options.guard.dispatcher } as RequestInit);
    } catch (error) {
      return fail(...networkFailure(error, where, options, timeout));
    }
    const location = response.headers.get("location");
    if (!REDIRECTS.has(response.status) || !location) {
      return ok({ response, url, timedOut: () => timeout.aborted });
    }
    await response.body?.cancel().catch(() => undefined);
    if (hop >= maxRedirects) {
      return fail("source_redirect_refused", `${where}: more than ${maxRedirects} redirects`);
    }
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return fail("source_redirect_refused", `${where} redirected to an invalid URL`);
    }
    if (next.protocol !== "http:" && next.protocol !== "https:") {
      return fail(
        "source_redirect_refused",
        `${where} redirected to a ${next.protocol} URL; only http(s) is followed`,
      );
    }
    originPrivate ??= await options.guard.isPrivate(plan.url.hostname);
    if (!originPrivate && (await options.guard.isPrivate(next.hostname))) {
      return fail(
        "source_redirect_refused",
        `${where} redirected to ${next.host}, a private or loopback address; a public source may not redirect there`,
      );
    }
    if (next.origin !== url.origin) {
      delete headers.authorization;
      for (const name of plan.sensitiveHeaders) delete headers[name];
    }
    // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without the body.
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === "POST")
    ) {
      method = "GET";
      body = undefined;
      delete headers["content-type"];
    }
    url = next;
  }
}

/** Why a request or its body could not be completed, as a failure code and message. */
export function networkFailure(
  error: unknown,
  where: string,
  options: Pick<ExchangeOptions, "signal" | "timeoutText">,
  timeout: { aborted: boolean },
): [Failure["code"], string, boolean?] {
  if (options.signal.aborted) {
    const reason = options.signal.reason;
    if (reason instanceof SourceStop)
      return [reason.failure.code, reason.failure.message, reason.failure.partial];
    return ["run_aborted", `${where}: the run was stopped`];
  }
  if (timeout.aborted)
    return ["source_timeout", `${where}: no complete response within ${options.timeoutText}`];
  if (error instanceof SourceStop) return [error.failure.code, error.failure.message, error.failure.partial];
  const cause = (error as Error & { cause?: Error }).cause;
  if (cause instanceof ForbiddenDestination) return ["source_forbidden", `${where}: ${cause.message}`];
  return ["source_unreachable", `${where}: ${cause?.message ?? (error as Error).message}`];
}
