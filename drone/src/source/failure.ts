/**
 * @module Why a run could not read its source, as values. A failure carries a stable code (stored
 * on the run) and a message that says what came back and where, without secrets. A `partial`
 * failure is a deliberate stop (a limit, a pagination loop): what was read so far stands.
 */

export type FailureCode =
  | "source_http_error"
  | "source_rate_limited"
  | "source_unreachable"
  | "source_timeout"
  | "source_not_json"
  | "source_not_csv"
  | "source_not_xml"
  | "source_redirect_refused"
  | "source_forbidden"
  | "source_auth_failed"
  | "secret_missing"
  | "template_unset"
  | "profile_invalid"
  | "fan_out_failed"
  | "extract_failed"
  | "run_aborted"
  | "limit_pages"
  | "limit_records"
  | "limit_bytes"
  | "limit_duration"
  | "pagination_loop";

export interface Failure {
  code: FailureCode;
  message: string;
  /** The run stops but keeps what it read: it ends `partial`, not `failed`. */
  partial?: boolean;
}

export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: FailureCode, message: string, partial?: boolean): Result<T> => ({
  ok: false,
  failure: partial ? { code, message, partial } : { code, message },
});

/**
 * Thrown only where a value cannot be returned: from inside a body stream that a parser is
 * consuming (a byte limit reached, the run's time limit, a malformed line). Caught by the runner.
 */
export class SourceStop extends Error {
  override readonly name = "SourceStop";
  constructor(readonly failure: Failure) {
    super(failure.message);
  }
}

/** Shortens a body or value for a message: one line, at most 120 characters. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** `GET https://host/path`: how messages name a request. The query is left out: it may hold keys. */
export const describeRequest = (method: string, url: URL): string => `${method} ${url.origin}${url.pathname}`;
