/**
 * @module The gateway's router: Hono's own, with the routes each recent (method, path) matched
 * kept. Its API cannot use Hono's single-regex router (`/profiles/schema` beside
 * `/profiles/{id}`, `/forecasts/runs/{id}` beside `/forecasts/{id}`), and the trie router walks
 * every middleware layer again on each request; clients mostly repeat the same few paths
 * (dashboards polling their series), which then cost one map lookup.
 */
import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/** Paths remembered at most; a full table starts over (any path, any id, stays correct). */
const REMEMBERED = 4_096;

export class RememberingRouter<T> implements Router<T> {
  readonly name = "RememberingRouter";
  readonly #inner: Router<T>;
  readonly #matched = new Map<string, Result<T>>();

  constructor(inner: Router<T> = new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] })) {
    this.#inner = inner;
  }

  add(method: string, path: string, handler: T): void {
    this.#inner.add(method, path, handler);
    this.#matched.clear();
  }

  /** The routers build fresh results and Hono only reads them, so one serves every request. */
  match(method: string, path: string): Result<T> {
    const key = `${method} ${path}`;
    let result = this.#matched.get(key);
    if (result === undefined) {
      result = this.#inner.match(method, path);
      if (this.#matched.size >= REMEMBERED) this.#matched.clear();
      this.#matched.set(key, result);
    }
    return result;
  }
}
