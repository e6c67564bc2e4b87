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
  static fromBody(body: ErrorBody): AppError {
    const code = body.code in ERROR_STATUS ? body.code : "internal";
    return new AppError(code, body.message, body.details);
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
  return new AppError("internal", "internal error", undefined, { cause: error });
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
