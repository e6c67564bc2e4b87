import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { OPENAPI_FILE, openApiDocument, REGENERATE, serialise } from "../src/openapi/document.js";
import { startWorld } from "./harness.js";

const committedFile = new URL(`../../../${OPENAPI_FILE}`, import.meta.url);

describe("the committed OpenAPI document", () => {
  it("is what the routes declare", async () => {
    const committed = await readFile(committedFile, "utf8").catch(() => "{}");
    const generated = await openApiDocument();
    // The parsed comparison shows which operation changed; the text comparison catches formatting.
    expect(JSON.parse(committed), `${OPENAPI_FILE} is out of date: run \`${REGENERATE}\``).toEqual(generated);
    expect(committed, `${OPENAPI_FILE} is not formatted as written: run \`${REGENERATE}\``).toBe(
      serialise(generated),
    );
  });

  it("is the document a running gateway serves", async () => {
    const world = await startWorld({ standIns: false });
    try {
      const app = await world.app();
      const served = await (await app.request("/api/v1/openapi.json")).json();
      expect(served).toEqual(await openApiDocument());
    } finally {
      await world.close();
    }
  });
});
