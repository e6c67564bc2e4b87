/**
 * @module Lease tokens: what an edge drone holds for a job it leased through the gateway. The
 * token carries the JetStream ack subject of the job's delivery, so any gateway replica can
 * renew, complete or hand back the lease by publishing to it (the gateway keeps no state), and
 * it names the run, tenant, profile and attempt, so batches and events posted with it go where
 * the job says and nowhere else. An HMAC-SHA256 over the payload stops a drone from forging or
 * altering one.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "@chartly/platform";
import { z } from "zod";

const LeaseClaimsSchema = z.object({
  /** The delivery's ack subject (`$JS.ACK.JOBS.drones-<pool>.…`). */
  reply: z.string().startsWith("$JS.ACK."),
  runId: z.string(),
  tenant: z.string(),
  profileId: z.string(),
  attempt: z.number().int().positive(),
  droneId: z.string(),
  pool: z.string(),
  /** When the lease was granted (ms since the epoch). */
  issuedAt: z.number().int(),
});
export type LeaseClaims = z.infer<typeof LeaseClaimsSchema>;

/** How long a token stays usable for posting batches and events: an outbox may sync late. */
const TOKEN_LIFETIME_MS = 7 * 24 * 3_600_000;

export class LeaseSigner {
  constructor(private readonly secret: string) {}

  sign(claims: LeaseClaims): string {
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return `${payload}.${this.mac(payload)}`;
  }

  /** The claims of a token this gateway (or a replica sharing the secret) signed; throws otherwise. */
  verify(token: string, now = Date.now()): LeaseClaims {
    const [payload = "", mac = "", extra] = token.split(".");
    const expected = Buffer.from(this.mac(payload));
    const given = Buffer.from(mac);
    if (extra !== undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidLease("the lease is not one the control plane issued");
    }
    let claims: LeaseClaims;
    try {
      claims = LeaseClaimsSchema.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    } catch {
      throw invalidLease("the lease does not parse");
    }
    if (now - claims.issuedAt > TOKEN_LIFETIME_MS) throw invalidLease("the lease is more than 7 days old");
    return claims;
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }
}

const invalidLease = (message: string) =>
  AppError.invalid(message, [{ in: "body", pointer: "/lease", message }]);
