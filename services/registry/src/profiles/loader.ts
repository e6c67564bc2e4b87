/**
 * @module Loads a profiles folder into the store: every `*.yaml`/`*.yml` file is parsed and
 * validated on its own, so one bad file is reported and skipped while the others load.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { type ProfileProblem, parseProfile } from "@chartly/contracts";
import type { Sql } from "postgres";
import { disableMissing, type SaveOutcome, saveProfile } from "./store.js";

export interface LoadReport {
  loaded: { id: string; file: string; version: number; outcome: SaveOutcome }[];
  problems: ProfileProblem[];
  disabled: string[];
}

export async function loadProfilesDir(sql: Sql, tenant: string, dir: string): Promise<LoadReport> {
  const files = await listYamlFiles(dir);
  const report: LoadReport = { loaded: [], problems: [], disabled: [] };
  const seen = new Map<string, string>();
  for (const path of files) {
    const file = relative(dir, path);
    const text = await readFile(path, "utf8");
    const parsed = parseProfile(file, text);
    if (!parsed.ok) {
      report.problems.push(...parsed.problems);
      continue;
    }
    const id = parsed.profile.id;
    const other = seen.get(id);
    if (other) {
      report.problems.push({
        file,
        line: 1,
        column: 1,
        field: "id",
        message: `profile id "${id}" is already defined in ${other}`,
      });
      continue;
    }
    seen.set(id, file);
    const saved = await saveProfile(sql, tenant, {
      profile: parsed.profile,
      digest: parsed.digest,
      yaml: text,
      sourcePath: file,
    });
    report.loaded.push({ id, file, ...saved });
  }
  // A file that exists but does not parse keeps its profile as it was: fix-in-progress must not stop it.
  const failedFiles = new Set(report.problems.map((p) => p.file));
  if (failedFiles.size === 0) report.disabled = await disableMissing(sql, tenant, [...seen.keys()]);
  return report;
}

/**
 * The YAML files under `dir`, hidden folders left out. A symbolic link to a file counts as that
 * file: a Kubernetes ConfigMap or Secret mounts each key as a link into a hidden folder it
 * swaps atomically on update. A link that leads nowhere is skipped.
 */
async function listYamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (!/\.ya?ml$/i.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    if (
      relative(dir, path)
        .split("/")
        .some((part) => part.startsWith("."))
    )
      continue;
    if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path)))) files.push(path);
  }
  return files.sort();
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
