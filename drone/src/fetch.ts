/**
 * @module Fetches a profile's source over HTTP and decodes the JSON body. Failures become
 * SourceErrors with a code and a message that says what came back, never the secrets sent.
 */
import type { SourceSpec } from "@chartly/contracts";
import { parseDuration } from "@chartly/contracts";

export class SourceError extends Error {
  override readonly name = "SourceError";
  constructor(
    readonly code: "source_http_error" | "source_unreachable" | "source_timeout" | "source_not_json",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface Fetched {
  body: unknown;
  bytes: number;
  status: number;
}

export function buildUrl(source: SourceSpec): URL {
  const url = new URL(source.url);
  for (const [name, value] of Object.entries(source.query)) url.searchParams.set(name, String(value));
  return url;
}

const snippet = (text: string) => {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
};

export async function fetchSource(source: SourceSpec, signal?: AbortSignal): Promise<Fetched> {
  const url = buildUrl(source);
  const where = `${source.method} ${url.origin}${url.pathname}`;
  const timeoutMs = parseDuration(source.timeout) ?? 30_000;
  const timeout = AbortSignal.timeout(timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, {
      method: source.method,
      headers: { accept: "application/json", "user-agent": "chartly-drone", ...source.headers },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (timeout.aborted)
      throw new SourceError("source_timeout", `${where}: no response within ${source.timeout}`);
    const cause = (error as Error & { cause?: Error }).cause;
    throw new SourceError("source_unreachable", `${where}: ${cause?.message ?? (error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text();
  const bytes = Buffer.byteLength(text);
  if (!response.ok) {
    throw new SourceError(
      "source_http_error",
      `${where} answered HTTP ${response.status} ${response.statusText}${text ? `: ${snippet(text)}` : ""}`,
    );
  }
  try {
    return { body: JSON.parse(text), bytes, status: response.status };
  } catch (error) {
    const type = response.headers.get("content-type") ?? "no content-type";
    throw new SourceError(
      "source_not_json",
      `${where} did not return JSON (${type}): ${(error as Error).message}; body starts "${snippet(text)}"`,
    );
  }
}
