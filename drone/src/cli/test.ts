/**
 * @module `npm run test:profile -- <profile.yaml> [--records N] [--replay <file|dir> | --base-url
 * URL] [--max-pages N]`: runs a profile once, without the control plane, and prints each request
 * (secrets masked), the outcome, the statistics and the first normalised records. `--replay`
 * answers the requests from recorded responses on a local server, `--base-url` sends them to
 * another origin. Exits 0 when the run succeeded, 2 when it ended partial, 1 when it failed or
 * the file is not a valid profile. Secrets come from `CHARTLY_SECRET_<NAME>` and
 * `CHARTLY_SECRETS_DIR`, as on a drone. The outbound guard is a drone's too: only public addresses,
 * plus `DRONE_ALLOW_NETWORKS` and the origin `--replay` or `--base-url` names (asked for, so allowed).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import type { NormalisedRecord, Profile } from "@chartly/contracts";
import { runJob } from "../runner.js";
import { type AddressGuard, ALLOW_SETTING, outboundGuard, parseAllowList } from "../source/guard.js";
import { envSecrets } from "../source/secrets.js";
import { loadProfile } from "./load-profile.js";
import { loadReplay, type ReplayServer, startReplayServer } from "./replay.js";
import { exitCode, requestLine, summary } from "./report.js";
import { capPages, parseBaseUrl, retarget } from "./retarget.js";

const USAGE = `usage: npm run test:profile -- <profile.yaml> [options]
  --records N        normalised records to print (default 10)
  --replay PATH      answer the requests from a recorded response (a file), or from the
                     recorded responses a directory's replay.json lists for this profile
  --base-url URL     send the requests to this origin instead of the profile's
  --max-pages N      read at most N pages per request sequence`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      records: { type: "string", default: "10" },
      replay: { type: "string" },
      "base-url": { type: "string" },
      "max-pages": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  const [file] = positionals;
  const shown = Number(values.records);
  const maxPages = values["max-pages"] === undefined ? undefined : Number(values["max-pages"]);
  const problem = !file
    ? "a profile file is required"
    : positionals.length > 1
      ? `one profile file at a time, got ${positionals.length}`
      : !Number.isInteger(shown) || shown < 0
        ? `--records: expected a whole number of 0 or more, got "${values.records}"`
        : maxPages !== undefined && (!Number.isInteger(maxPages) || maxPages < 1)
          ? `--max-pages: expected a whole number of 1 or more, got "${values["max-pages"]}"`
          : values.replay !== undefined && values["base-url"] !== undefined
            ? "--replay and --base-url exclude each other (--replay serves on its own local origin)"
            : undefined;
  if (values.help || problem || !file) {
    process.stderr.write(`${problem && !values.help ? `${problem}\n` : ""}${USAGE}\n`);
    return values.help ? 0 : 1;
  }
  const base = values["base-url"] === undefined ? undefined : parseBaseUrl(values["base-url"]);
  if (typeof base === "string") {
    process.stderr.write(`${base}\n`);
    return 1;
  }
  const allow = parseAllowList(process.env[ALLOW_SETTING] ?? "");
  if (!allow.ok) {
    process.stderr.write(`${ALLOW_SETTING}: ${allow.message}\n`);
    return 1;
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

  let profile = maxPages === undefined ? loaded.profile : capPages(loaded.profile, maxPages);
  let replay: ReplayServer | undefined;
  if (values.replay !== undefined) {
    const routes = await loadReplay(values.replay, profile.id, sourcePath(profile.source.url));
    if (!routes.ok) {
      process.stderr.write(`${routes.message}\n`);
      return 1;
    }
    replay = await startReplayServer(routes.value);
    for (const route of routes.value) {
      const query = Object.entries(route.query ?? {})
        .map(([name, value]) => (value === null ? `no ${name}` : `${name}=${value}`))
        .join(", ");
      process.stdout.write(
        `replaying ${route.file} for ${route.method ?? "any"} ${route.path}${query ? ` (${query})` : ""}\n`,
      );
    }
    profile = retarget(profile, new URL(replay.origin));
  } else if (base) {
    profile = retarget(profile, base);
  }
  // The origin the user sent the requests to is theirs to choose, local or not.
  const target = replay ? new URL(replay.origin) : base;
  const guard = outboundGuard({
    allow: [...allow.value.entries, ...(target ? [target.hostname.replace(/^\[|\]$/g, "")] : [])],
  });

  try {
    return await dryRun(profile, shown, replay, guard);
  } finally {
    await replay?.close();
  }
}

async function dryRun(
  profile: Profile,
  shown: number,
  replay: ReplayServer | undefined,
  guard: AddressGuard,
): Promise<number> {
  const records: NormalisedRecord[] = [];
  const outcome = await runJob(
    {
      runId: `dry-run-${Date.now()}`,
      tenant: "dry-run",
      profileId: profile.id,
      profileVersion: 0,
      slot: new Date().toISOString(),
      trigger: "manual",
      spec: profile,
    },
    1,
    {
      batchSize: 1_000,
      publish: async (batch) => {
        // Only the records shown are kept; the counts come from the run's statistics.
        if (records.length < shown) records.push(...batch.records.slice(0, shown - records.length));
      },
      secrets: envSecrets(),
      guard,
      onRequest: (event) => process.stdout.write(`${requestLine(event)}\n`),
    },
  );
  process.stdout.write(`${summary(outcome, records, shown).join("\n")}\n`);
  if (replay && replay.unmatched.length > 0) {
    process.stdout.write(
      `\nnot recorded (answered 404):\n${replay.unmatched.map((asked) => `  ${asked}`).join("\n")}\n`,
    );
  }
  return exitCode(outcome);
}

/** The path of a source URL written with references: everything after the authority, up to `?`. */
function sourcePath(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "").replace(/[?#].*$/, "");
  return path || "/";
}

process.exitCode = await main(process.argv.slice(2));
