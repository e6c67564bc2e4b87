/**
 * @module Secrets referenced as `${secret:NAME}`. They are resolved on the drone, from the
 * environment (`CHARTLY_SECRET_<NAME>`) or from a directory holding one file per name
 * (`CHARTLY_SECRETS_DIR`, as Docker and Kubernetes mount them), and never leave it: every value
 * read is registered with the run's Masker, which blanks it out of anything reported.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fail, ok, type Result } from "./failure.js";

export interface SecretSource {
  /** The secret's value, or undefined when it is not set. */
  get(name: string): Promise<string | undefined>;
  /** Where the drone looks, for the message when a secret is missing. */
  describe(name: string): string;
}

export function envSecrets(
  env: Record<string, string | undefined> = process.env,
  dir: string | undefined = env.CHARTLY_SECRETS_DIR,
): SecretSource {
  return {
    async get(name) {
      const fromEnv = env[`CHARTLY_SECRET_${name}`];
      if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
      if (!dir) return undefined;
      try {
        // Files written by editors and `echo` end with a newline that is not part of the secret.
        return (await readFile(join(dir, name), "utf8")).replace(/\r?\n$/, "");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    describe: (name) =>
      `set CHARTLY_SECRET_${name}${dir ? ` or write the file ${join(dir, name)}` : " or put a file of that name in CHARTLY_SECRETS_DIR"}`,
  };
}

/** Reads every named secret, failing on the first that is not set. */
export async function resolveSecrets(
  names: Iterable<string>,
  source: SecretSource,
  masker: Masker,
): Promise<Result<Map<string, string>>> {
  const values = new Map<string, string>();
  for (const name of names) {
    const value = await source.get(name);
    if (value === undefined)
      return fail("secret_missing", `secret ${name} is not set on this drone: ${source.describe(name)}`);
    masker.add(value);
    values.set(name, value);
  }
  return ok(values);
}

/** Replaces every known secret (raw and as URL-encoded) with `***` in text that leaves the engine. */
export class Masker {
  private readonly values = new Set<string>();

  add(secret: string): void {
    if (secret === "") return;
    this.values.add(secret);
    this.values.add(encodeURIComponent(secret));
    this.values.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }

  mask(text: string): string {
    let masked = text;
    // Longest first, so a secret containing another is masked whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      masked = masked.replaceAll(value, "***");
    }
    return masked;
  }
}
