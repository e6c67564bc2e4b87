/**
 * @module CSV bodies, parsed as they stream in, one record per row. With a header row (the
 * default) each row is an object keyed by column name; without one, rows are arrays (field paths
 * `0`, `1`, ...) unless `csv.columns` names them. Rows with more or fewer cells than the header are
 * kept (missing cells read as absent) rather than failing a whole export over one ragged line.
 */

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type CsvSpec, CsvSpecSchema } from "@chartly/contracts";
import { CsvError, parse } from "csv-parse";
import { SourceStop } from "../failure.js";

const DEFAULTS = CsvSpecSchema.parse({});

export async function* csvRows(
  text: AsyncIterable<string>,
  options: CsvSpec | undefined,
  where: string,
): AsyncGenerator<unknown> {
  const spec = options ?? DEFAULTS;
  const columns = spec.header ? (spec.columns ?? true) : (spec.columns ?? false);
  // Named columns replace a header row, which is then skipped like the lines before it.
  const firstLine = spec.skipLines + 1 + (spec.header && spec.columns ? 1 : 0);
  const parser = parse({
    delimiter: spec.delimiter,
    quote: spec.quote,
    columns,
    from_line: firstLine,
    comment: spec.comment,
    bom: true,
    skip_empty_lines: true,
    relax_column_count: true,
  });
  const feeding = pipeline(Readable.from(text), parser);
  // Surfaced by the loop below when it fails; keep it from being reported as unhandled.
  feeding.catch(() => undefined);
  try {
    for await (const row of parser) yield row;
    await feeding;
  } catch (error) {
    if (error instanceof CsvError) {
      throw new SourceStop({
        code: "source_not_csv",
        message: `${where} did not return readable CSV: ${error.message}`,
      });
    }
    throw error;
  } finally {
    parser.destroy();
  }
}
