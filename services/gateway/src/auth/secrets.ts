/**
 * @module API key material: generation, parsing and constant-time comparison. A managed key
 * reads `chk_<id>_<secret>`; only the SHA-256 of its secret is stored.
 */
import { createHash, hash, randomBytes, timingSafeEqual } from "node:crypto";

const MANAGED_KEY = /^chk_([0-9a-f]{16})_([A-Za-z0-9_-]{32})$/;

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

/** The SHA-256 of `text` as bytes (one call, no hex round trip: it runs on every request). */
export const sha256 = (text: string): Buffer => hash("sha256", text, "buffer");

export function generateManagedKey(): { id: string; key: string; secretHash: string } {
  const id = randomBytes(8).toString("hex");
  const secret = randomBytes(24).toString("base64url");
  return { id, key: `chk_${id}_${secret}`, secretHash: sha256Hex(secret) };
}

export function parseManagedKey(key: string): { id: string; secret: string } | undefined {
  const match = MANAGED_KEY.exec(key);
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}

/** Compares two hex digests without leaking, through timing, where they differ. */
export function sameDigest(a: string, b: string): boolean {
  return sameBytes(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}

/** Compares two digests without leaking, through timing, where they differ. */
export function sameBytes(left: Buffer, right: Buffer): boolean {
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** Three base64url parts: a compact JWS. */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
