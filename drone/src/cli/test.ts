/**
 * @module `npm run test:profile -- <profile.yaml> [--records N]`: runs a profile once, without the
 * control plane, and prints each request (secrets masked), the outcome, the statistics and the
 * first normalised records. Exits 0 when the run succeeded, 2 when it ended partial, 1 when it
 * failed or the file is not a valid profile. Secrets come from `CHARTLY_SECRET_<NAME>` and
 * `CHARTLY_SECRETS_DIR`, as on a drone.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { NormalisedRecord } from "@chartly/contracts";
import { runJob } from "../runner.js";
import { envSecrets } from "../source/secrets.js";
import { loadProfile } from "./load-profile.js";
import { exitCode, requestLine, summary } from "./report.js";

const USAGE = "usage: npm run test:profile -- <profile.yaml> [--records N]";

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { records: { type: "string", default: "10" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  const [file] = positionals;
  const shown = Number(values.records);
  if (values.help || !file || positionals.length > 1 || !Number.isInteger(shown) || shown < 0) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 1;
  }

  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    process.stderr.write(`cannot read ${file}: ${(error as Error).message}\n`);
    return 1;
  }
  const loaded = loadProfile(file, text);
  if (!loaded.ok) {
    for (const problem of loaded.problems) process.stderr.write(`${problem}\n`);
    return 1;
  }

  const records: NormalisedRecord[] = [];
  const outcome = await runJob(
    {
      runId: `dry-run-${Date.now()}`,
      tenant: "dry-run",
      profileId: loaded.profile.id,
      profileVersion: 0,
      slot: new Date().toISOString(),
      trigger: "manual",
      spec: loaded.profile,
    },
    1,
    {
      batchSize: 1_000,
      publish: async (batch) => {
        // Only the records shown are kept; the counts come from the run's statistics.
        if (records.length < shown) records.push(...batch.records.slice(0, shown - records.length));
      },
      secrets: envSecrets(),
      onRequest: (event) => process.stdout.write(`${requestLine(event)}\n`),
    },
  );
  process.stdout.write(`${summary(outcome, records, shown).join("\n")}\n`);
  return exitCode(outcome);
}

process.exitCode = await main(process.argv.slice(2));
