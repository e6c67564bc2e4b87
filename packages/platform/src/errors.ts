/** @module The one error type that crosses process boundaries, with a code from the closed set. */
import { ERROR_STATUS, type ErrorBody, type ErrorCode } from "@chartly/contracts";

export class AppError extends Error {
  override readonly name = "AppError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  /** Rebuilds an error received from another process. */
  /** The error another service answered; anything malformed becomes `internal`, never a throw. */
  static fromBody(body: ErrorBody | undefined): AppError {
    if (typeof body !== "object" || body === null || typeof body.code !== "string") {
      return new AppError("internal", "a service answered an error without a code");
    }
    const code = Object.hasOwn(ERROR_STATUS, body.code) ? body.code : "internal";
    const message = typeof body.message === "string" ? body.message : "no message";
    return new AppError(code, message, body.details);
  }

  static notFound(what: string): AppError {
    return new AppError("not_found", `${what} was not found`);
  }

  static invalid(message: string, details?: unknown): AppError {
    return new AppError("invalid_argument", message, details);
  }
}

/** Turns anything thrown into an AppError without leaking internals of unexpected errors. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isZodError(error)) {
    return new AppError(
      "invalid_argument",
      error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; "),
      error.issues.map((i) => ({
        pointer: `/${i.path.map(String).join("/")}`,
        message: i.message,
      })),
      { cause: error },
    );
  }
  const refused = dataExceptionMessage(error);
  if (refused) return new AppError("invalid_argument", refused, undefined, { cause: error });
  return new AppError("internal", "internal error", undefined, { cause: error });
}

/**
 * Postgres refuses some values a request carried (SQLSTATE class 22, "data exception": a NUL
 * character, a number or time out of range): that is the caller's input, not a fault, so it is
 * `invalid_argument`, told in our words rather than the driver's.
 */
function dataExceptionMessage(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, code } = error as { name?: unknown; code?: unknown };
  if (name !== "PostgresError" || typeof code !== "string" || !code.startsWith("22")) return undefined;
  if (code === "22021" || code === "22P05")
    return "a value in the request contains a character that cannot be stored (such as NUL)";
  if (code === "22003" || code === "22008" || code === "22015")
    return "a number or time in the request is out of range";
  return "a value in the request is not valid for the field it is used in";
}

interface ZodLikeError {
  name: "ZodError";
  issues: { path: PropertyKey[]; message: string }[];
}

function isZodError(error: unknown): error is ZodLikeError {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "ZodError" &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}
