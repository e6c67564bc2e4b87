/**
 * @module Reading a profile file for the dry run: YAML parsed with positions kept and validated
 * with the ProfileSchema, each problem reported as `file:line:column: field: message`, as the
 * registry reports them.
 */
import { type Profile, ProfileSchema } from "@chartly/contracts";
import { isNode, LineCounter, parseDocument } from "yaml";

export type LoadedProfile = { ok: true; profile: Profile } | { ok: false; problems: string[] };

export function loadProfile(file: string, text: string): LoadedProfile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => `${at(e.pos[0])}: YAML syntax: ${e.message.split("\n")[0]}`),
    };
  }
  const result = ProfileSchema.safeParse(doc.toJS());
  if (result.success) return { ok: true, profile: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
      // The closest node that exists: a missing field points at its parent.
      let offset = 0;
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) {
          offset = node.range[0];
          break;
        }
      }
      return `${at(offset)}: ${path.length > 0 ? `${path.join(".")}: ` : ""}${issue.message}`;
    }),
  };
}
