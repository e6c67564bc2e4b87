/**
 * @module The gateway's drone API as an edge drone calls it: JSON over HTTP with the drone's
 * credential, a deadline per call, and errors that say whether trying again can help.
 */

/** A call that failed: `retryable` unless the control plane refused the request itself for good. */
export class DroneApiError extends Error {
  override name = "DroneApiError";
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Statuses that say the request itself is wrong (400, 409, 413, 422): sending it again cannot help. */
const REFUSED_FOR_GOOD = [400, 409, 413, 422];

export class DroneApi {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  /** Calls `path` under `/api/v1/drone`; undefined for `204 No Content`. */
  async call<T>(
    method: "GET" | "POST" | "PUT" | "DELETE",
    path: string,
    body: unknown,
    timeoutMs = 10_000,
  ): Promise<T | undefined> {
    const url = `${this.baseUrl.replace(/\/+$/, "")}/api/v1/drone${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new DroneApiError(
        `the control plane at ${this.baseUrl} did not answer ${method} ${path}: ${(error as Error).message}`,
        undefined,
        true,
        { cause: error },
      );
    }
    if (response.status === 204) return undefined;
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 300);
      try {
        const problem = JSON.parse(text) as { code?: string; detail?: string };
        detail = `${problem.code ?? ""}: ${problem.detail ?? ""}`;
      } catch {
        // Not problem+json (a proxy's page): keep the start of the text.
      }
      // Only the drone API's verdict on the request itself is final. A refused credential, a path
      // the address does not serve (a wrong CONTROL_PLANE, a proxy, a replica not yet upgraded) and
      // anything else is retried: an operator can fix it, and nothing is set aside meanwhile.
      const retryable = !REFUSED_FOR_GOOD.includes(response.status);
      throw new DroneApiError(
        `${method} ${path} answered ${response.status} ${detail}`,
        response.status,
        retryable,
      );
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
