/**
 * @module API keys from a JSON file (`AUTH_API_KEYS_FILE`), for bootstrap admins and machine
 * credentials managed outside Chartly. The file is checked for changes every
 * `AUTH_API_KEYS_TTL_SECONDS` and re-read when its size or modification time changed; a file
 * that no longer parses keeps the previous keys and logs why. Format in docs/security.md.
 */
import { readFile, stat } from "node:fs/promises";
import type { Logger } from "@chartly/platform";
import { z } from "zod";
import { type Principal, RoleSchema, type Verdict } from "./principal.js";
import { sameBytes, sha256 } from "./secrets.js";
import { TENANT, TENANT_RULE } from "./tenancy.js";

const KeyEntrySchema = z
  .object({
    /** Names the key in logs and the audit log (`key:<id>`). */
    id: z.string().regex(/^[\w.-]{1,64}$/, "must be 1-64 letters, digits, dots, dashes or underscores"),
    /** The key itself (at least 24 characters), or `sha256`: its hex SHA-256. */
    key: z.string().min(24).optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i)
      .optional(),
    tenants: z.array(z.string().regex(TENANT, `must be ${TENANT_RULE}`)).min(1),
    roles: z.array(RoleSchema).min(1),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((e) => (e.key === undefined) !== (e.sha256 === undefined), {
    message: "give exactly one of key or sha256",
  });

export const KeysFileSchema = z.object({ keys: z.array(KeyEntrySchema) }).strict();
export type KeysFile = z.infer<typeof KeysFileSchema>;

interface LoadedKey {
  digest: Buffer;
  expiresAt: number | undefined;
  principal: Principal;
}

export class FileKeySource {
  private keys: LoadedKey[] = [];
  private version = "";
  private checkedAt = 0;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly ttlMs: number,
    private readonly logger: Logger,
  ) {}

  /** Reads the file; at start-up a missing or invalid file is an error, later it is only logged. */
  async load(): Promise<void> {
    let version: string;
    let text: string;
    try {
      const info = await stat(this.path);
      version = `${info.size}:${info.mtimeMs}`;
      text = await readFile(this.path, "utf8");
    } catch (error) {
      throw new Error(
        `AUTH_API_KEYS_FILE: cannot read ${this.path} (${(error as NodeJS.ErrnoException).code})`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // The parser's message quotes the text around the error, which may be a key.
      throw new Error(`${this.path}: is not valid JSON`);
    }
    const parsed = KeysFileSchema.safeParse(json);
    if (!parsed.success) {
      throw new Error(
        `${this.path}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    this.keys = parsed.data.keys.map((entry) => ({
      digest: entry.sha256 ? Buffer.from(entry.sha256, "hex") : sha256(entry.key as string),
      expiresAt: entry.expiresAt ? Date.parse(entry.expiresAt) : undefined,
      principal: { id: `key:${entry.id}`, tenants: entry.tenants, roles: entry.roles },
    }));
    this.version = version;
    this.checkedAt = Date.now();
  }

  /** `undefined` when no key in the file matches. */
  async check(presented: string): Promise<Verdict | undefined> {
    await this.refresh();
    const digest = sha256(presented);
    let found: LoadedKey | undefined;
    // Every entry is compared, so the time taken does not say which one matched.
    for (const key of this.keys) if (sameBytes(digest, key.digest) && !found) found = key;
    if (!found) return undefined;
    if (found.expiresAt !== undefined && found.expiresAt <= Date.now()) {
      return { ok: false, reason: "the API key has expired" };
    }
    return { ok: true, principal: found.principal };
  }

  private refresh(): Promise<void> {
    if (Date.now() - this.checkedAt < this.ttlMs) return Promise.resolve();
    this.checking ??= this.reloadIfChanged().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async reloadIfChanged(): Promise<void> {
    try {
      const info = await stat(this.path);
      if (`${info.size}:${info.mtimeMs}` !== this.version) {
        await this.load();
        this.logger.info({ file: this.path, keys: this.keys.length }, "API keys file reloaded");
      }
    } catch (error) {
      this.logger.error(
        { file: this.path, error: (error as Error).message },
        "cannot reload the API keys file; keeping the keys loaded before",
      );
    } finally {
      this.checkedAt = Date.now();
    }
  }
}
