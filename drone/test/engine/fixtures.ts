/** @module Loading the recorded API responses in `test/fixtures`, relative to this file so any cwd works. */
import { readFileSync } from "node:fs";

export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8"));
}
