/**
 * @module `npm run profile-schema [-- --check]`: writes the profile language's JSON Schema (made
 * from the zod `ProfileSchema`) to `docs/profile.schema.json`, or with `--check` exits 1 when the
 * committed file differs, so the published schema cannot drift from what the registry accepts.
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { profileJsonSchema } from "@chartly/contracts";

export const PROFILE_SCHEMA_FILE = "docs/profile.schema.json";

export const serialiseProfileSchema = (): string => `${JSON.stringify(profileJsonSchema(), null, 2)}\n`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { check: { type: "boolean", default: false } } });
  const file = fileURLToPath(new URL(`../../../../${PROFILE_SCHEMA_FILE}`, import.meta.url));
  const text = serialiseProfileSchema();
  if (values.check) {
    const committed = await readFile(file, "utf8").catch(() => "");
    if (committed === text) {
      process.stdout.write(`${PROFILE_SCHEMA_FILE} is up to date\n`);
      return 0;
    }
    process.stderr.write(
      `${PROFILE_SCHEMA_FILE} differs from the profile schema; run \`npm run profile-schema\`\n`,
    );
    return 1;
  }
  await writeFile(file, text);
  process.stdout.write(`wrote ${PROFILE_SCHEMA_FILE}\n`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
