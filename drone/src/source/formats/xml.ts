/**
 * @module XML bodies (SDMX-ML, ECB reference rates, RSS-like feeds), read whole into plain
 * objects that records paths and field paths can walk. Values stay text, as in CSV, so codes such
 * as `08723970` keep their zeros and numbers go through the same reading as everywhere else.
 * Elements named in `xml.arrays` are always lists, so a path does not break when a response
 * happens to hold just one of them.
 */
import { type XmlSpec, XmlSpecSchema } from "@chartly/contracts";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { fail, ok, type Result, snippet } from "../failure.js";

const DEFAULTS = XmlSpecSchema.parse({});

export function parseXml(text: string, options: XmlSpec | undefined, where: string): Result<unknown> {
  const spec = options ?? DEFAULTS;
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    return fail(
      "source_not_xml",
      `${where} did not return XML: ${msg} at line ${line}, column ${col}; body starts "${snippet(text)}"`,
    );
  }
  const arrays = new Set(spec.arrays);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: spec.attributePrefix,
    textNodeName: spec.textKey,
    removeNSPrefix: spec.removeNamespacePrefixes,
    parseTagValue: false,
    parseAttributeValue: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => arrays.has(name),
  });
  return ok(parser.parse(text));
}
