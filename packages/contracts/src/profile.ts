// biome-ignore-all lint/suspicious/noTemplateCurlyInString: descriptions show profile references written ${like_this}
/**
 * @module The profile: how a user tells Chartly about a data source.
 * Parsed from YAML by the registry, carried in every job, read by the drone.
 * Objects are strict so a misspelt field is an error, not silently ignored. Sections added after
 * the first release (auth, pagination, fan-out, retry, limits, ...) are optional and have no
 * defaults in the parsed profile, so older profiles parse to exactly what they did; the drone
 * fills in the `DEFAULT_*` values below.
 */
import { z } from "zod";
import { parseDuration } from "./duration.js";

const duration = (what: string) =>
  z.string().refine((text) => parseDuration(text) !== undefined, {
    message: `${what} must be a duration such as 30s, 5m, 6h or 1d`,
  });

/**
 * A reference to a value in one record: a dot path (`indicator.id`, `values.0`), compiled once by
 * the drone, or `expr:` followed by a JSONata expression for what a path cannot express.
 */
const fieldPath = z.string().min(1, "a field path must not be empty");

/** A JSONPath into a whole response body. */
const jsonPath = (what: string) => z.string().startsWith("$", `${what} must be a JSONPath starting with $`);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

// ---------------------------------------------------------------------------------------------
// Templates: `${cursor}`, `${<fan-out variable>}`, `${name:-fallback}`, `${secret:NAME}`, `$${`.
// ---------------------------------------------------------------------------------------------

export type TemplatePart =
  | { kind: "text"; text: string }
  | { kind: "var"; name: string; fallback?: string }
  | { kind: "secret"; name: string };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; message: string };

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SECRET_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Splits a source string into text and references. `$${` writes a literal `${`; any other `${`
 * must be closed and hold a variable name, `name:-fallback` or `secret:NAME`.
 */
export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let literal = "";
  let at = 0;
  while (at < text.length) {
    const dollar = text.indexOf("$", at);
    if (dollar < 0) {
      literal += text.slice(at);
      break;
    }
    literal += text.slice(at, dollar);
    if (text.startsWith("$${", dollar)) {
      literal += "${";
      at = dollar + 3;
      continue;
    }
    if (!text.startsWith("${", dollar)) {
      literal += "$";
      at = dollar + 1;
      continue;
    }
    const close = text.indexOf("}", dollar + 2);
    if (close < 0) return { ok: false, message: `"\${" at character ${dollar + 1} is never closed with "}"` };
    const inner = text.slice(dollar + 2, close);
    const part = parseReference(inner);
    if (typeof part === "string") return { ok: false, message: part };
    if (literal) parts.push({ kind: "text", text: literal });
    literal = "";
    parts.push(part);
    at = close + 1;
  }
  if (literal) parts.push({ kind: "text", text: literal });
  return { ok: true, parts };
}

function parseReference(inner: string): TemplatePart | string {
  if (inner.startsWith("secret:")) {
    const name = inner.slice("secret:".length);
    return SECRET_NAME.test(name)
      ? { kind: "secret", name }
      : `"\${${inner}}": secret names are upper-case letters, digits and '_', starting with a letter (e.g. \${secret:FRED_API_KEY})`;
  }
  const fallbackAt = inner.indexOf(":-");
  const name = fallbackAt < 0 ? inner : inner.slice(0, fallbackAt);
  if (!VARIABLE_NAME.test(name)) {
    return `"\${${inner}}" is not a reference: expected \${name}, \${name:-fallback} or \${secret:NAME}`;
  }
  return fallbackAt < 0
    ? { kind: "var", name }
    : { kind: "var", name, fallback: inner.slice(fallbackAt + 2) };
}

/** The variables every source string may use; a fan-out adds its own (`fanOut.as`). */
export const TEMPLATE_VARIABLES = ["cursor"] as const;

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)$/i;

/** Parses `512KB`, `50MB`, `1GB` (binary units) or a plain number of bytes. */
export function parseByteSize(size: string | number): number | undefined {
  if (typeof size === "number") return Number.isInteger(size) && size > 0 ? size : undefined;
  const match = SIZE.exec(size.trim());
  if (!match) return undefined;
  const factor = SIZE_UNITS[(match[2] as string).toLowerCase()] as number;
  const bytes = Math.floor(Number(match[1]) * factor);
  return bytes > 0 ? bytes : undefined;
}

const byteSize = (what: string) =>
  z.union([z.number(), z.string()]).refine((size) => parseByteSize(size) !== undefined, {
    message: `${what} must be a size such as 512KB, 50MB or 1GB, or a number of bytes`,
  });

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

export const ProfileIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9_-]{0,99}$/,
    "id must be lower-case letters, digits, '-' or '_' (at most 100), starting with a letter or digit",
  )
  // GET /api/v1/profiles/schema serves the profile language's JSON Schema.
  .regex(/^(?!schema$)/, "id 'schema' is reserved (/api/v1/profiles/schema is the profile JSON Schema)");

export const TIME_FORMATS = [
  "iso",
  "epoch_s",
  "epoch_ms",
  "yyyy",
  "yyyy-MM",
  "yyyy-MM-dd",
  "yyyy-Qq",
  "yyyy-Www",
  "bls",
  "period",
] as const;

/** Formats whose value can be split into a year field and the rest (`year: year`, `field: period`). */
export const YEAR_SPLIT_FORMATS = ["yyyy-MM", "yyyy-MM-dd", "yyyy-Qq", "yyyy-Www", "bls", "period"] as const;

export const TimeSpecSchema = z
  .strictObject({
    field: fieldPath.describe(
      "Field holding the record's time: a dot path (`date`, `attributes.time`) or `expr:` and a JSONata expression.",
    ),
    format: z
      .enum(TIME_FORMATS)
      .default("iso")
      .describe(
        "How the time is written: iso (default), epoch_s, epoch_ms, yyyy, yyyy-MM, yyyy-MM-dd, yyyy-Qq (2023-Q1), yyyy-Www (2024-W09), bls (2022-M01; M13 averages skipped) or period (any SDMX / JSON-stat period).",
      ),
    /**
     * A field holding the year when `field` holds only the rest of the period (BLS's `year` and
     * `period: M01`): the time read is `<year>-<field>`.
     */
    year: fieldPath
      .optional()
      .describe(
        "Field holding the year when `field` holds only the rest, as BLS answers (`year: 2022`, `period: M01`): the time read is `<year>-<field>`.",
      ),
    /** Zone of times written without one: `UTC` or a fixed offset such as `+02:00`. */
    timezone: z
      .string()
      .regex(/^(UTC|Z|[+-]\d{2}:\d{2})$/, "timezone must be UTC or an offset such as +02:00")
      .default("UTC")
      .describe("Zone of times written without one: UTC (default) or a fixed offset such as +02:00."),
  })
  .refine(
    (time) => time.year === undefined || (YEAR_SPLIT_FORMATS as readonly string[]).includes(time.format),
    {
      message: `year applies to the formats ${YEAR_SPLIT_FORMATS.join(", ")}`,
      path: ["year"],
    },
  );

export const MeasureSpecSchema = z.union([
  fieldPath.describe("Field holding the value: a dot path or `expr:` and a JSONata expression."),
  z.strictObject({
    field: fieldPath.describe("Field holding the value: a dot path or `expr:` and a JSONata expression."),
    unit: z.string().optional().describe("Unit stored on the series (`USD`, `°C`, `billions of USD`)."),
    /** Multiplies every value, e.g. 1000 when the source reports thousands. */
    scale: z
      .number()
      .positive()
      .optional()
      .describe("Multiplies every value, e.g. 1000 when the source reports thousands."),
  }),
]);

/**
 * How the items `path` selects become records: `rows` (each item is one), `table` (arrays whose
 * first is the header row, as the US Census API answers), `columns` (an object of parallel
 * arrays, as Open-Meteo's `hourly`, one record per index), or one record per observation of a
 * statistics cube: `jsonstat` (JSON-stat 1.x/2.0), `sdmx-json` (SDMX-JSON data message) and
 * `sdmx-csv` (SDMX-CSV rows, `CODE: Label` cells split).
 */
export const RECORD_SHAPES = ["rows", "table", "columns", "jsonstat", "sdmx-json", "sdmx-csv"] as const;

export const RecordsSpecSchema = z.strictObject({
  /** JSONPath to the list of records in the response (`$` when the body is the list). */
  path: jsonPath("path")
    .default("$")
    .describe(
      "JSONPath to the list of records: `$[1][*]`, `$.data[*]`. A path selecting one array uses its elements. For csv and ndjson it applies to each row or line.",
    ),
  shape: z
    .enum(RECORD_SHAPES)
    .optional()
    .describe(
      "How the selected items become records: rows (default; each item is one), table (arrays, the first the header row), columns (an object of parallel arrays), jsonstat, sdmx-json or sdmx-csv (one record per observation of a statistics cube).",
    ),
  /** JSONata expression; records for which it is not true are skipped (counted as `filtered out`). */
  filter: z
    .string()
    .min(1, "filter must be a JSONata expression")
    .optional()
    .describe("A JSONata expression; a record is kept when it is true, else counted as `filtered out`."),
  time: TimeSpecSchema.describe(
    "Where the record's time is and how it is written: { field, format, timezone, year }.",
  ),
  dims: z
    .record(z.string(), fieldPath)
    .default({})
    .describe("Dimension name → field reference; values become strings. A record missing a dim is skipped."),
  /**
   * Fields whose values identify a record (an event id, a station and a reading number). By
   * default a record is identified by its dims and time.
   */
  key: z
    .union([
      fieldPath.transform((field) => [field]),
      z.array(fieldPath).min(1, "key needs at least one field"),
    ])
    .optional()
    .describe(
      "Field reference, or list of them, whose values identify a record (`id`, `[network, id]`). Default: the dims and the time.",
    ),
  measures: z
    .record(z.string(), MeasureSpecSchema)
    .refine((m) => Object.keys(m).length > 0, "at least one measure is required")
    .describe("At least one: measure name → field reference, or { field, unit, scale }."),
});

// ---------------------------------------------------------------------------------------------
// Source: request, body, auth, formats
// ---------------------------------------------------------------------------------------------

/** An absolute http(s) URL; `${...}` references may stand anywhere after the host. */
const httpUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text.replace(/\$\{[^}]*\}/g, "x"));
      return url.protocol === "http:" || url.protocol === "https:";
    } catch {
      return false;
    }
  },
  { message: "url must be an absolute http(s) URL" },
);

export const METHODS = ["GET", "POST"] as const;

/** A request body: JSON (`json: {...}`) or an HTML form (`form: {field: value}`), never both. */
export const BodySpecSchema = z
  .strictObject({
    json: z
      .unknown()
      .optional()
      .describe("A JSON body; a string that is one reference takes the value's own type."),
    form: z
      .record(z.string(), scalar)
      .optional()
      .describe("Form fields, sent as application/x-www-form-urlencoded."),
  })
  .refine((body) => (body.json === undefined) !== (body.form === undefined), {
    message: "body needs exactly one of json or form",
  });

export const AuthSpecSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("none").describe("No credentials (the default).") }),
    z.strictObject({
      type: z.literal("apiKey").describe("An API key in a header or a query parameter."),
      /** Sent as a request header or as a query parameter. */
      in: z
        .enum(["header", "query"])
        .default("header")
        .describe("Send the key as a request header (default) or as a query parameter."),
      name: z
        .string()
        .min(1, "name of the header or query parameter is required")
        .describe("Name of the header or query parameter."),
      value: z.string().min(1).describe("The key, usually `${secret:NAME}`."),
    }),
    z.strictObject({
      type: z.literal("bearer").describe("Authorization: Bearer <token>."),
      token: z.string().min(1).describe("The token, usually `${secret:NAME}`."),
    }),
    z.strictObject({
      type: z.literal("basic").describe("HTTP Basic authentication."),
      username: z.string().describe("User name."),
      password: z.string().describe("Password, usually `${secret:NAME}`."),
    }),
    z.strictObject({
      type: z
        .literal("oauth2ClientCredentials")
        .describe(
          "OAuth2 client credentials: a token fetched from tokenUrl, kept until it expires, fetched again on a 401.",
        ),
      tokenUrl: httpUrl.describe("The token endpoint, an absolute http(s) URL."),
      clientId: z.string().min(1).describe("The client id."),
      clientSecret: z.string().min(1).describe("The client secret, usually `${secret:NAME}`."),
      scope: z.string().optional().describe("Scope asked for, sent when given."),
      audience: z.string().optional().describe("Audience asked for, sent when given."),
      /** How the client proves itself: HTTP Basic (RFC 6749's preference) or form fields. */
      clientAuth: z
        .enum(["basic", "body"])
        .default("basic")
        .describe(
          "How the client proves itself: HTTP Basic (default) or client_id / client_secret form fields (body).",
        ),
    }),
  ],
  { error: "auth.type must be none, apiKey, bearer, basic or oauth2ClientCredentials" },
);

export const FORMATS = ["json", "ndjson", "csv", "xml"] as const;

export const CsvSpecSchema = z.strictObject({
  delimiter: z.string().min(1).default(",").describe('Cell separator: "," (default), ";", "\\t", "|".'),
  quote: z.string().length(1).default('"').describe('Quote character (default ").'),
  /** Whether the first row names the columns. Without it rows are arrays unless `columns` names them. */
  header: z
    .boolean()
    .default(true)
    .describe("Whether the first row (after skipLines) names the columns (default true)."),
  columns: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "Names for the columns: with header true they replace the header row, with header false they name rows that have none. Without a header or names, rows are arrays: use field paths 0, 1, ...",
    ),
  /** Lines to drop before the header (titles, notes). */
  skipLines: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe("Lines to drop before the header (titles, notes); default 0."),
  /** Lines starting with this are ignored. */
  comment: z.string().min(1).optional().describe('Lines starting with this are ignored ("#").'),
});

export const XmlSpecSchema = z.strictObject({
  /** Prefix for attribute names in the parsed object (`""`: attributes look like child elements). */
  attributePrefix: z
    .string()
    .default("")
    .describe(
      'Prefix for attribute names; by default (`""`) <Cube currency="USD"/> reads as {currency: "USD"}.',
    ),
  /** Key of an element's text when it also has attributes. */
  textKey: z
    .string()
    .min(1)
    .default("#text")
    .describe("Key of an element's text when it also has attributes (default #text)."),
  /** Element names always read as lists, even when only one occurs. */
  arrays: z
    .array(z.string().min(1))
    .default([])
    .describe(
      "Element names always read as lists, even when only one occurs: list the repeating elements your paths walk.",
    ),
  /** Drop namespace prefixes (`generic:Obs` becomes `Obs`). */
  removeNamespacePrefixes: z
    .boolean()
    .default(true)
    .describe("Drop namespace prefixes: generic:Obs reads as Obs (default true)."),
});

// ---------------------------------------------------------------------------------------------
// Pagination
// ---------------------------------------------------------------------------------------------

/** Stop conditions every pagination type understands, besides its own end signal. */
const stopConditions = {
  /** JSONPath to the number of pages; read from any page that has it (often only the first). */
  totalPages: jsonPath("totalPages")
    .optional()
    .describe(
      "JSONPath to the number of pages; read from any page that has it (often only the first), may be a numeric string. Stops when this many pages were read.",
    ),
  /** JSONPath to the number of records over all pages. */
  totalCount: jsonPath("totalCount")
    .optional()
    .describe("JSONPath to the number of records over all pages; stops when the records read reach it."),
  /** JSONPath to a flag that is true while more pages follow. */
  hasMore: jsonPath("hasMore")
    .optional()
    .describe("JSONPath to a flag that is true while more pages follow; stops when it is not true."),
  /** Stop at a page with no records. */
  stopOnEmpty: z.boolean().default(true).describe("Stop at a page with no records (default true)."),
  /** Read at most this many pages (a normal end, unlike `limits.maxPages`). */
  maxPages: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Read at most this many pages: a normal end, unlike limits.maxPages which ends the run partial.",
    ),
};

const queryParam = (fallback: string, description: string) =>
  z.string().min(1).default(fallback).describe(description);

export const PaginationSpecSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("none").describe("One request (the default).") }),
    z.strictObject({
      type: z.literal("page").describe("Page numbers in a query parameter."),
      param: queryParam("page", "Query parameter carrying the page number (default page)."),
      /** Number of the first page: 1 or 0 (or any other). */
      start: z
        .number()
        .int()
        .nonnegative()
        .default(1)
        .describe("Number of the first page: 1 (default), or 0 for zero-based APIs."),
      /** Records per page: sent as `sizeParam` when that is set; a shorter page is the last. */
      size: z
        .number()
        .int()
        .positive()
        .optional()
        .describe("Records per page, sent as sizeParam when that is set; a shorter page is the last."),
      sizeParam: z.string().min(1).optional().describe("Query parameter carrying size on every request."),
      ...stopConditions,
    }),
    z.strictObject({
      type: z.literal("offset").describe("Record offsets in a query parameter."),
      param: queryParam("offset", "Query parameter carrying the offset (default offset)."),
      /** Offset of the first record: 0, or 1 for APIs that count from one. */
      start: z
        .number()
        .int()
        .nonnegative()
        .default(0)
        .describe("Offset of the first record: 0 (default), or 1 for APIs that count from one."),
      /** Records per page, sent as `limitParam`; a shorter page is the last. */
      limit: z
        .number()
        .int()
        .positive()
        .optional()
        .describe(
          "Records per page, sent as limitParam; a shorter page is the last. At most the server's maximum.",
        ),
      limitParam: queryParam("limit", "Query parameter carrying limit (default limit)."),
      ...stopConditions,
    }),
    z.strictObject({
      type: z.literal("cursor").describe("A cursor or next token from the body."),
      /** Query parameter that carries the cursor on the next request. */
      param: z.string().min(1).describe("Query parameter that carries the cursor on the next request."),
      /** JSONPath to the next cursor in the body; absent, null or empty means the last page. */
      path: jsonPath("path").describe(
        "JSONPath to the next cursor in the body; absent, null or empty means the last page.",
      ),
      ...stopConditions,
    }),
    z.strictObject({
      type: z.literal("nextUrl").describe("The next page's URL from the body."),
      /** JSONPath to the next page's URL (absolute or relative to the current one). */
      path: jsonPath("path").describe(
        "JSONPath to the next page's URL, absolute or relative to the page's URL; absent, null or empty means the last page.",
      ),
      ...stopConditions,
    }),
    z.strictObject({
      type: z.literal("linkHeader").describe("The URL of a Link response header relation (RFC 8288)."),
      /** Relation of the link to follow in the `Link` response header. */
      rel: z
        .string()
        .min(1)
        .default("next")
        .describe("Relation of the link to follow in the Link response header (default next)."),
      ...stopConditions,
    }),
  ],
  { error: "pagination.type must be none, page, offset, cursor, nextUrl or linkHeader" },
);

// ---------------------------------------------------------------------------------------------
// Fan-out, retries, rate limit, limits
// ---------------------------------------------------------------------------------------------

/** The first ("parent") request of a fan-out, whose response lists the values. */
export const ParentRequestSchema = z.strictObject({
  url: httpUrl.describe("Absolute http(s) URL of the parent request; may hold references after the host."),
  method: z.enum(METHODS).default("GET").describe("GET (default) or POST."),
  query: z.record(z.string(), scalar).default({}).describe("Query parameters added to the URL."),
  headers: z.record(z.string(), z.string()).default({}).describe("Request headers."),
  body: BodySpecSchema.optional().describe(
    "{ json: <any value> } or { form: { field: value } }; needs method POST.",
  ),
  format: z.enum(FORMATS).default("json").describe("json (default), ndjson, csv or xml."),
  /** JSONPath selecting the values (strings, numbers or booleans). */
  path: jsonPath("path").describe(
    "JSONPath selecting the values, strings, numbers or booleans (`$.seriess[*].id`; for a CSV parent, applied to each row: `$.code`).",
  ),
});

export const FanOutSpecSchema = z
  .strictObject({
    /** Name of the variable that holds the value: `${value}` by default. */
    as: z
      .string()
      .regex(VARIABLE_NAME, "as must be a name of letters, digits and '_'")
      .refine((name) => !(TEMPLATE_VARIABLES as readonly string[]).includes(name), {
        message: `as must not be one of the built-in variables (${TEMPLATE_VARIABLES.join(", ")})`,
      })
      .default("value")
      .describe("The variable's name: ${value} by default, or ${<as>}."),
    values: z
      .array(scalar)
      .optional()
      .describe("A list of strings, numbers or booleans, one run of the request each."),
    from: ParentRequestSchema.optional().describe(
      "A first (parent) request whose response lists the values; auth and encoding of the source apply.",
    ),
  })
  .refine((fanOut) => (fanOut.values === undefined) !== (fanOut.from === undefined), {
    message: "fanOut needs exactly one of values (a list) or from (a parent request)",
  });

export const RetrySpecSchema = z.strictObject({
  /** Tries in all, the first included; 1 turns retries off. */
  attempts: z
    .number()
    .int()
    .min(1)
    .max(20)
    .optional()
    .describe("Tries in all, the first included (default 3; 1: no retries; at most 20)."),
  /** Backoff before the first retry; doubled for each next one, with full jitter. */
  initialDelay: duration("initialDelay")
    .optional()
    .describe("Wait before the first retry, doubled for each next one (default 1s)."),
  maxDelay: duration("maxDelay").optional().describe("Longest computed wait (default 30s)."),
  /** Longest `Retry-After` honoured; a server asking for more ends the run. */
  maxRetryAfter: duration("maxRetryAfter")
    .optional()
    .describe("Longest Retry-After honoured (default 2m); a server asking for more fails the run at once."),
});

export const DEFAULT_RETRY = {
  attempts: 3,
  initialDelay: "1s",
  maxDelay: "30s",
  maxRetryAfter: "2m",
} as const;

export const RateLimitSpecSchema = z.strictObject({
  requestsPerSecond: z
    .number()
    .positive()
    .max(1000)
    .describe("Requests of a run start at least 1/n seconds apart (retries, pages and fan-out included)."),
});

export const LimitsSpecSchema = z.strictObject({
  maxPages: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Pages read in the run, fan-out parents and values together (default 10000; code limit_pages).",
    ),
  maxRecords: z
    .number()
    .int()
    .positive()
    .optional()
    .describe("Records published (default 10000000; code limit_records)."),
  maxBytes: byteSize("maxBytes")
    .optional()
    .describe(
      "Bytes read after decompression: 512KB, 50MB, 1GB or a number (default 1GB; code limit_bytes).",
    ),
  maxDuration: duration("maxDuration")
    .optional()
    .describe("Time since the run started (default 1h; code limit_duration)."),
});

export const DEFAULT_LIMITS = {
  maxPages: 10_000,
  maxRecords: 10_000_000,
  maxBytes: "1GB",
  maxDuration: "1h",
} as const;

// ---------------------------------------------------------------------------------------------
// Source
// ---------------------------------------------------------------------------------------------

export const SourceSpecSchema = z.strictObject({
  url: httpUrl.describe(
    "Absolute http(s) URL; may hold references (${cursor}, ${value}, ${secret:NAME}) after the host.",
  ),
  method: z.enum(METHODS).default("GET").describe("GET (default) or POST."),
  query: z
    .record(z.string(), scalar)
    .default({})
    .describe(
      "Query parameters added to the URL (strings, numbers, booleans; may hold references). A parameter already in url is replaced.",
    ),
  headers: z
    .record(z.string(), z.string())
    .default({})
    .describe("Request headers (may hold references); they replace user-agent and accept."),
  body: BodySpecSchema.optional().describe(
    "{ json: <any value> } or { form: { field: value } }; needs method POST.",
  ),
  auth: AuthSpecSchema.optional().describe(
    "Credentials: none (default), apiKey, bearer, basic or oauth2ClientCredentials. Credentials are not sent to another origin on a redirect.",
  ),
  format: z
    .enum(FORMATS)
    .default("json")
    .describe(
      "json (default), ndjson, csv or xml. CSV and NDJSON are read as they arrive; gzip bodies are decompressed.",
    ),
  /** Text encoding of the body when the response does not name one: `utf-8`, `windows-1252`, ... */
  encoding: z
    .string()
    .refine(isEncoding, { message: "encoding must be a text encoding such as utf-8, latin1 or windows-1252" })
    .optional()
    .describe(
      "Text encoding of the body (utf-8, latin1, windows-1252, ...); wins over the Content-Type charset. Default: from the response.",
    ),
  csv: CsvSpecSchema.optional().describe("CSV options; only with format csv."),
  xml: XmlSpecSchema.optional().describe("XML options; only with format xml."),
  pagination: PaginationSpecSchema.optional().describe(
    "How to get the next page: none (default), page, offset, cursor, nextUrl or linkHeader, with stop conditions. A page served twice ends the run partial (pagination_loop).",
  ),
  fanOut: FanOutSpecSchema.optional().describe(
    "Run the request (with its pagination) once per value: exactly one of values and from.",
  ),
  /** Time allowed for each response, body included. */
  timeout: duration("timeout")
    .default("30s")
    .describe("Time allowed for each response, body included (default 30s)."),
  retry: RetrySpecSchema.optional().describe(
    "Retries of network errors, timeouts, 408, 429 and 5xx, with exponential backoff and jitter, honouring Retry-After.",
  ),
  rateLimit: RateLimitSpecSchema.optional().describe(
    "{ requestsPerSecond: n }: spacing of the run's requests.",
  ),
  limits: LimitsSpecSchema.optional().describe(
    "Caps on pages, records, bytes and duration; reaching one ends the run partial with the reason.",
  ),
});

function isEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Incremental cursor
// ---------------------------------------------------------------------------------------------

export const CURSOR_TYPES = ["date", "number"] as const;
/** How a date cursor is written into `${cursor}`. */
export const CURSOR_FORMATS = ["iso", "yyyy-MM-dd", "yyyy", "epoch_s", "epoch_ms"] as const;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Reads only what the source has not yet given: the drone keeps the highest value of `field`
 * (or of the records' time) among the records a succeeded run published; the next run starts from
 * it, minus `lookback`, as `${cursor}`. Values are compared as dates or numbers, never as text.
 */
export const IncrementalSpecSchema = z
  .strictObject({
    /** Dot path of a field in the source record; the normalised record time when absent. */
    field: fieldPath
      .refine((field) => !field.startsWith("expr:"), {
        message: "incremental.field must be a dot path (expressions are not read for the cursor)",
      })
      .optional()
      .describe(
        "Dot path of the source record field whose highest value is the cursor (updated_at, id). Default: the record's time.",
      ),
    type: z
      .enum(CURSOR_TYPES)
      .default("date")
      .describe("date (default) or number: values are compared as instants or as numbers, never as strings."),
    /** `${cursor}` of the first run, before any is stored. */
    initial: z
      .union([z.string().min(1), z.number()])
      .describe("${cursor} of the first run: an ISO 8601 date (2020-01-01) or a number."),
    /** Re-read this much before the stored cursor: a duration for dates (`7d`), a number for numbers. */
    lookback: z
      .union([z.string(), z.number().nonnegative()])
      .optional()
      .describe(
        "How far before the stored cursor the next run starts, so revisions are fetched again: a duration for dates (7d, 2y), a number for numbers.",
      ),
    format: z
      .enum(CURSOR_FORMATS)
      .default("iso")
      .describe(
        "How a date cursor is written into ${cursor}: iso (default), yyyy-MM-dd, yyyy, epoch_s or epoch_ms.",
      ),
  })
  .superRefine((spec, ctx) => {
    if (spec.type === "date") {
      if (
        typeof spec.initial !== "string" ||
        !ISO_INSTANT.test(spec.initial) ||
        Number.isNaN(Date.parse(spec.initial))
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["initial"],
          message: "initial must be an ISO 8601 date such as 2020-01-01 for a date cursor",
        });
      }
      if (
        spec.lookback !== undefined &&
        (typeof spec.lookback !== "string" || parseDuration(spec.lookback) === undefined)
      ) {
        ctx.addIssue({
          code: "custom",
          path: ["lookback"],
          message: "lookback must be a duration such as 7d or 2h for a date cursor",
        });
      }
    } else {
      if (!Number.isFinite(Number(spec.initial)) || String(spec.initial).trim() === "") {
        ctx.addIssue({
          code: "custom",
          path: ["initial"],
          message: "initial must be a number for a number cursor",
        });
      }
      if (spec.lookback !== undefined && typeof spec.lookback !== "number") {
        ctx.addIssue({
          code: "custom",
          path: ["lookback"],
          message: "lookback must be a number for a number cursor",
        });
      }
      if (spec.format !== "iso") {
        ctx.addIssue({ code: "custom", path: ["format"], message: "format applies to date cursors only" });
      }
    }
  });
export type IncrementalSpec = z.infer<typeof IncrementalSpecSchema>;

/** Tries of a run in all, the first included, when `schedule.maxAttempts` does not say. */
export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_ATTEMPTS_LIMIT = 10;

/** Five cron fields (minute first), six (seconds first), or a nickname such as `@daily`. */
const CRON = /^(@(yearly|annually|monthly|weekly|daily|hourly)|\S+(\s+\S+){4,5})$/;

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * When a profile runs: `every` (slots aligned to the epoch, shifted by a `jitter` offset hashed
 * from the profile id) or `cron` read in `timezone`; and how many tries a run gets.
 */
export const ScheduleSpecSchema = z
  .strictObject({
    every: duration("every")
      .optional()
      .describe(
        "Interval: a duration such as 30s, 5m, 6h, 1d, 1w. Slots are aligned to multiples of the interval since the Unix epoch (UTC).",
      ),
    jitter: duration("jitter")
      .optional()
      .describe(
        "With every: shifts the slots by a fixed offset below this duration, derived from the profile id.",
      ),
    cron: z
      .string()
      .trim()
      .regex(
        CRON,
        "cron must have 5 fields (minute hour day month weekday), 6 with seconds, or be @daily etc.",
      )
      .optional()
      .describe(
        "Instead of every: five fields (minute hour day-of-month month day-of-week), six with seconds first, or @hourly, @daily, @weekly, @monthly, @yearly.",
      ),
    /** IANA zone the cron fields are read in (`Europe/Paris`); UTC by default. */
    timezone: z
      .string()
      .refine(isTimeZone, { message: "timezone must be an IANA time zone such as Europe/Paris or UTC" })
      .optional()
      .describe("With cron: the IANA time zone its fields are read in (Europe/Paris; default UTC)."),
    /** Tries of a run in all, the first included; a run whose last try fails is `dead`. */
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(MAX_ATTEMPTS_LIMIT)
      .optional()
      .describe("Tries of a run in all, 1 to 10 (default 3); when the last one fails the run is dead."),
  })
  .refine((s) => (s.every === undefined) !== (s.cron === undefined), {
    message: "schedule needs exactly one of every or cron",
  })
  .refine((s) => s.timezone === undefined || s.cron !== undefined, {
    message: "timezone applies to cron schedules only",
    path: ["timezone"],
  })
  .refine((s) => s.jitter === undefined || s.every !== undefined, {
    message: "jitter applies to every schedules only",
    path: ["jitter"],
  });
export type ScheduleSpec = z.infer<typeof ScheduleSpecSchema>;

export const ProfileSchema = z
  .strictObject({
    id: ProfileIdSchema.describe(
      "Lower-case letters, digits, '-' and '_', at most 100, starting with a letter or digit; unique within the tenant; not 'schema'.",
    ),
    name: z.string().min(1).describe("Human name."),
    description: z.string().optional().describe("Free text."),
    enabled: z
      .boolean()
      .default(true)
      .describe("false keeps the profile but never schedules it (default true)."),
    schedule: ScheduleSpecSchema.describe("When to run: every or cron (not both), jitter, maxAttempts."),
    /**
     * The drones that may run it: jobs go to `chartly.jobs.<pool>`, taken only by drones started
     * with this `DRONE_POOL` (a region, a network zone). `default` when absent.
     */
    pool: z
      .string()
      .regex(/^[\w-]{1,50}$/, "pool must be 1-50 letters, digits, '_' or '-'")
      .optional()
      .describe(
        "Which drones run it: only drones started with this DRONE_POOL take its jobs (default: default).",
      ),
    source: SourceSpecSchema.describe("What to fetch and how."),
    records: RecordsSpecSchema.describe(
      "How to read the response: where the records are and what they become.",
    ),
    incremental: IncrementalSpecSchema.optional().describe(
      "Read only what is new since the last succeeded run: a cursor on a time or id field.",
    ),
    /** How long stored points are kept (`90d`, `5y`); older ones are removed. Default: forever. */
    retention: duration("retention")
      .optional()
      .describe("How long stored points are kept: a duration such as 90d or 5y. Default: forever."),
  })
  .superRefine((profile, ctx) => {
    for (const problem of sourceProblems(profile.source)) ctx.addIssue({ code: "custom", ...problem });
  });

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
export type SourceSpec = Profile["source"];
export type RecordsSpec = Profile["records"];
export type TimeSpec = z.infer<typeof TimeSpecSchema>;
export type MeasureSpec = z.infer<typeof MeasureSpecSchema>;
export type BodySpec = z.infer<typeof BodySpecSchema>;
export type AuthSpec = z.infer<typeof AuthSpecSchema>;
export type PaginationSpec = z.infer<typeof PaginationSpecSchema>;
export type FanOutSpec = z.infer<typeof FanOutSpecSchema>;
export type ParentRequestSpec = z.infer<typeof ParentRequestSchema>;
export type CsvSpec = z.infer<typeof CsvSpecSchema>;
export type XmlSpec = z.infer<typeof XmlSpecSchema>;
export type RetrySpec = z.infer<typeof RetrySpecSchema>;
export type LimitsSpec = z.infer<typeof LimitsSpecSchema>;
export type SourceFormat = (typeof FORMATS)[number];
export type RecordShape = (typeof RECORD_SHAPES)[number];

/** A stored profile as the registry serves it. */
export const StoredProfileSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  version: z.number().int(),
  digest: z.string(),
  source: z.string(),
  spec: ProfileSchema,
  updatedAt: z.string(),
});
export type StoredProfile = z.infer<typeof StoredProfileSchema>;

interface Problem {
  path: (string | number)[];
  message: string;
}

/** Checks that reach across fields: references in templates, body and method, paths and formats. */
function sourceProblems(source: SourceSpec): Problem[] {
  const problems: Problem[] = [];
  const fanOutVariable = source.fanOut?.as;
  const known = [...TEMPLATE_VARIABLES, ...(fanOutVariable ? [fanOutVariable] : [])];
  checkTemplates(source, ["source"], known, problems, new Set(["fanOut", "pagination", "csv", "xml"]));
  const parent = source.fanOut?.from;
  if (parent) checkTemplates(parent, ["source", "fanOut", "from"], [...TEMPLATE_VARIABLES], problems);

  if (source.body && source.method === "GET") {
    problems.push({ path: ["source", "body"], message: "a body needs method: POST" });
  }
  if (parent?.body && parent.method === "GET") {
    problems.push({ path: ["source", "fanOut", "from", "body"], message: "a body needs method: POST" });
  }
  if (source.csv && source.format !== "csv") {
    problems.push({
      path: ["source", "csv"],
      message: `csv options need format: csv (format is ${source.format})`,
    });
  }
  if (source.xml && source.format !== "xml") {
    problems.push({
      path: ["source", "xml"],
      message: `xml options need format: xml (format is ${source.format})`,
    });
  }
  const pagination = source.pagination;
  if (pagination && pagination.type !== "none" && (source.format === "csv" || source.format === "ndjson")) {
    const bodyFields = [
      "totalPages",
      "totalCount",
      "hasMore",
      ...(pagination.type === "cursor" || pagination.type === "nextUrl" ? ["path"] : []),
    ];
    for (const field of bodyFields) {
      if ((pagination as Record<string, unknown>)[field] !== undefined) {
        problems.push({
          path: ["source", "pagination", field],
          message: `pagination.${field} reads the response body as one document, which a ${source.format} response is not; use page, offset or linkHeader pagination`,
        });
      }
    }
  }
  return problems;
}

/** Walks every string below `value` (skipping `skip` keys at the top) and checks its references. */
function checkTemplates(
  value: unknown,
  path: (string | number)[],
  known: readonly string[],
  problems: Problem[],
  skip: ReadonlySet<string> = new Set(),
): void {
  if (typeof value === "string") {
    const parsed = parseTemplate(value);
    if (!parsed.ok) {
      problems.push({ path, message: parsed.message });
      return;
    }
    for (const part of parsed.parts) {
      if (part.kind === "var" && !known.includes(part.name)) {
        const choices = [...known.map((name) => `\${${name}}`), `\${secret:NAME}`].join(", ");
        problems.push({ path, message: `unknown variable \${${part.name}}: expected one of ${choices}` });
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      checkTemplates(item, [...path, index], known, problems);
    });
    return;
  }
  if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (!skip.has(key)) checkTemplates(item, [...path, key], known, problems);
    }
  }
}
