/**
 * @module Reading a profile file for the dry run: the same parsing and validation the registry
 * does, each problem reported as `file:line:column: field: message`.
 */
import { formatProblem, type Profile, parseProfile } from "@chartly/contracts";

export type LoadedProfile = { ok: true; profile: Profile } | { ok: false; problems: string[] };

export function loadProfile(file: string, text: string): LoadedProfile {
  const parsed = parseProfile(file, text);
  return parsed.ok
    ? { ok: true, profile: parsed.profile }
    : { ok: false, problems: parsed.problems.map(formatProblem) };
}
