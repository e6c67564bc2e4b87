/**
 * @module Loading the augurs WebAssembly modules (AutoETS, MSTL). Reading the `.wasm` files is
 * file I/O, so it happens once, on first need, never at import time. A service calls
 * `loadModels()` at start-up, so the first request does not pay for it and a broken install
 * shows before traffic arrives, and reports `modelsLoaded()` in its readiness check.
 *
 * @example
 * loadModels();
 * app.get("/ready", (c) => c.json({ models: modelsLoaded() }));
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import * as ets from "@bsull/augurs/ets";
import * as mstl from "@bsull/augurs/mstl";

let loaded = false;

/** Compiles and instantiates the modules; later calls do nothing. Throws if the files are missing. */
export function loadModels(): void {
  if (loaded) return;
  // createRequire rather than import.meta.resolve: it also works under test runners that
  // transform modules, and the package's exports map resolves the same way for both.
  const require = createRequire(import.meta.url);
  const bytes = (entry: string, file: string) =>
    readFileSync(new URL(file, pathToFileURL(require.resolve(entry))));
  ets.initSync({ module: bytes("@bsull/augurs/ets", "./ets_bg.wasm") });
  mstl.initSync({ module: bytes("@bsull/augurs/mstl", "./mstl_bg.wasm") });
  loaded = true;
}

/** Whether the WebAssembly models can be used. */
export function modelsLoaded(): boolean {
  return loaded;
}

/** Loads the models if needed; returns why it could not, or undefined when they are ready. */
export function ensureModels(): string | undefined {
  if (loaded) return undefined;
  try {
    loadModels();
    return undefined;
  } catch (error) {
    return `the augurs WebAssembly models could not be loaded: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export { ets, mstl };
