/**
 * @module Opening one page of a response in the profile's format. JSON and XML are read whole,
 * because pagination may look anywhere in the document; CSV and NDJSON are parsed while they
 * arrive, so a large export is never held in memory. Either way the page offers the items that
 * `records.path` selects (for CSV and NDJSON, the path applies to each row or line).
 */
import type { CsvSpec, SourceFormat, XmlSpec } from "@chartly/contracts";
import { selectRecords } from "../engine/index.js";
import { decodeText, encodingOf, meterBody, readAll } from "./body.js";
import { fail, ok, type Result, SourceStop } from "./failure.js";
import { csvRows } from "./formats/csv.js";
import { parseJson } from "./formats/json.js";
import { ndjsonLines } from "./formats/ndjson.js";
import { parseXml } from "./formats/xml.js";
import { type Exchanged, type ExchangeOptions, networkFailure } from "./http.js";

export interface FormatOptions {
  format: SourceFormat;
  encoding?: string | undefined;
  csv?: CsvSpec | undefined;
  xml?: XmlSpec | undefined;
}

export interface PageOptions extends FormatOptions {
  /** JSONPath selecting the items (records, or fan-out values). */
  path: string;
  /** Counts bytes against the run's budget; throws to stop reading. */
  spend(bytes: number): void;
  where: string;
  exchange: Pick<ExchangeOptions, "signal" | "timeoutText">;
}

export interface Page {
  /** The parsed document of a JSON or XML page, for pagination's body paths. */
  document?: unknown;
  /** Read whole for JSON and XML; for CSV and NDJSON, parsed while iterated (and only once). */
  items: unknown[] | AsyncIterable<unknown>;
  streamed: boolean;
  bytes(): number;
  /** Hash of the page's bytes; for a streamed page, known once its items were read. */
  fingerprint(): string;
}

export async function openPage(exchanged: Exchanged, options: PageOptions): Promise<Result<Page>> {
  const { response } = exchanged;
  const contentType = response.headers.get("content-type");
  const body = meterBody(response.body, options.spend);
  const meta = { bytes: body.bytes, fingerprint: body.fingerprint };

  if (options.format === "csv" || options.format === "ndjson") {
    const text = decodeText(body.chunks, encodingOf(options.encoding, contentType));
    const rows =
      options.format === "csv" ? csvRows(text, options.csv, options.where) : ndjsonLines(text, options.where);
    const guarded = mapStreamErrors(rows, options, exchanged.timedOut);
    return ok({ items: selectEach(guarded, options.path), streamed: true, ...meta });
  }

  let bytes: Buffer;
  try {
    bytes = await readAll(body.chunks);
  } catch (error) {
    return fail(...networkFailure(error, options.where, options.exchange, { aborted: exchanged.timedOut() }));
  }
  const text = new TextDecoder(encodingOf(options.encoding, contentType, bytes)).decode(bytes);
  const document =
    options.format === "xml"
      ? parseXml(text, options.xml, options.where)
      : parseJson(text, options.where, contentType);
  if (!document.ok) return document;
  try {
    return ok({
      document: document.value,
      items: selectRecords(document.value, options.path),
      streamed: false,
      ...meta,
    });
  } catch (error) {
    return fail("extract_failed", `${options.where}: ${(error as Error).message}`);
  }
}

async function* selectEach(rows: AsyncIterable<unknown>, path: string): AsyncGenerator<unknown> {
  for await (const row of rows) {
    if (path === "$") yield row;
    else yield* selectRecords(row, path);
  }
}

/** A connection lost or timed out mid-stream surfaces as a failure, like one before the body. */
async function* mapStreamErrors(
  rows: AsyncIterable<unknown>,
  options: PageOptions,
  timedOut: () => boolean,
): AsyncGenerator<unknown> {
  try {
    yield* rows;
  } catch (error) {
    if (error instanceof SourceStop) throw error;
    const [code, message, partial] = networkFailure(error, options.where, options.exchange, {
      aborted: timedOut(),
    });
    throw new SourceStop(partial ? { code, message, partial } : { code, message });
  }
}
