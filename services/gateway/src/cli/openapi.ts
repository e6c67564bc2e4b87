/**
 * @module `npm run openapi [-- --check]`: writes the OpenAPI document the routes declare to
 * `docs/openapi.json`, or with `--check` exits 1 (naming the command that fixes it) when the
 * committed file differs. Needs neither NATS nor Postgres.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { OPENAPI_FILE, openApiDocument, REGENERATE, serialise } from "../openapi/document.js";

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { check: { type: "boolean", default: false } } });
  const file = fileURLToPath(new URL(`../../../../${OPENAPI_FILE}`, import.meta.url));
  const document = await openApiDocument();
  const text = serialise(document);
  const operations = Object.values(document.paths).reduce<number>(
    (n, methods) => n + Object.keys(methods as object).length,
    0,
  );
  if (values.check) {
    const committed = await readFile(file, "utf8").catch(() => "");
    if (committed === text) {
      process.stdout.write(`${OPENAPI_FILE} is up to date (${operations} operations)\n`);
      return 0;
    }
    process.stderr.write(
      `${OPENAPI_FILE} differs from the routes the gateway declares; run \`${REGENERATE}\`\n`,
    );
    return 1;
  }
  await writeFile(file, text);
  process.stdout.write(`wrote ${OPENAPI_FILE} (${operations} operations)\n`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
