/**
 * @module Turns a profile file's text into a validated Profile, or into problems that name the
 * file, line, column and what was expected. Pure: no I/O. The registry loads profiles with it and
 * the drone's dry run reads a profile file with it, so both report problems the same way.
 */
import { createHash } from "node:crypto";
import { isNode, LineCounter, parseDocument } from "yaml";
import { type Profile, ProfileSchema } from "./profile.js";

export interface ProfileProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field at fault, empty for the whole document. */
  field: string;
  message: string;
}

export type ParsedProfile =
  | { ok: true; profile: Profile; digest: string }
  | { ok: false; problems: ProfileProblem[] };

export const digestOf = (text: string): string => createHash("sha256").update(text).digest("hex");

export function parseProfile(file: string, text: string): ParsedProfile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        ...at(e.pos[0]),
        field: "",
        message: `YAML syntax: ${e.message.split("\n")[0]}`,
      })),
    };
  }
  const result = ProfileSchema.safeParse(doc.toJS());
  if (result.success) return { ok: true, profile: result.data, digest: digestOf(text) };

  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
      // A missing field has no node of its own: point at the closest parent that exists.
      let offset = 0;
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) {
          offset = node.range[0];
          break;
        }
      }
      // Unknown keys are reported on the parent object; point at the key itself.
      if (issue.code === "unrecognized_keys") {
        const parent = doc.getIn(path, true);
        const key = issue.keys[0];
        if (isNode(parent) && "items" in parent && Array.isArray(parent.items) && key) {
          for (const pair of parent.items as { key?: { value?: unknown; range?: number[] } }[]) {
            if (pair.key?.value === key && pair.key.range) offset = pair.key.range[0] ?? offset;
          }
        }
      }
      return { file, ...at(offset), field: path.join("."), message: issue.message };
    }),
  };
}

export const formatProblem = (p: ProfileProblem): string =>
  `${p.file}:${p.line}:${p.column}: ${p.field ? `${p.field}: ` : ""}${p.message}`;
