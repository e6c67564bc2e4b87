/**
 * @module The outbound guard. A profile says where the drone connects, so a profile must not be
 * able to point it into the network it runs in: loopback, private ranges, link-local (where cloud
 * metadata endpoints answer), shared and reserved addresses are refused, as are schemes other than
 * http(s). The drone's allowlist (`DRONE_ALLOW_NETWORKS`: names, `*.` domains, addresses and
 * CIDRs) opens what a deployment needs, such as an intranet API or a local test server.
 *
 * Two checks cover every request: `refuse` looks at the URL before sending (scheme, and a host
 * written as an address), and `dispatcher` checks each address a name resolves to when the
 * connection is made, so a name that resolves to a public address once and to a private one when
 * connecting (DNS rebinding) is still refused. A public source may also not redirect into a
 * non-public address, even an allowed one: the allowlist is for local sources, not for pivots.
 *
 * @example
 * const guard = outboundGuard({ allow: ["127.0.0.1/32", "intranet.example"] });
 * guard.refuse(new URL("http://169.254.169.254/")); // "169.254.169.254 is a link-local address …"
 * await fetch(url, { dispatcher: guard.dispatcher });
 */
import type { LookupAddress, LookupOptions } from "node:dns";
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { Agent, type Dispatcher } from "undici";

/** The setting that opens non-public destinations, named in every refusal. */
export const ALLOW_SETTING = "DRONE_ALLOW_NETWORKS";

export interface AddressGuard {
  /** Why the URL may not be requested (its scheme, or an address written in it), else undefined. */
  refuse(url: URL): string | undefined;
  /** What fetch connects through: refuses, at connect time, every resolved address not allowed. */
  readonly dispatcher: Dispatcher | undefined;
  /** Whether the host is, or resolves to, an address that is not public (the redirect rule). */
  isPrivate(hostname: string): Promise<boolean>;
}

/** Thrown from the connect-time lookup; `networkFailure` turns it into `source_forbidden`. */
export class ForbiddenDestination extends Error {
  override readonly name = "ForbiddenDestination";
}

type Kind = "loopback" | "private" | "link-local" | "shared" | "multicast" | "reserved";

const V4: [string, number, Kind][] = [
  ["0.0.0.0", 8, "reserved"],
  ["10.0.0.0", 8, "private"],
  ["100.64.0.0", 10, "shared"],
  ["127.0.0.0", 8, "loopback"],
  ["169.254.0.0", 16, "link-local"],
  ["172.16.0.0", 12, "private"],
  ["192.0.0.0", 24, "reserved"],
  ["192.0.2.0", 24, "reserved"],
  ["192.168.0.0", 16, "private"],
  ["198.18.0.0", 15, "reserved"],
  ["198.51.100.0", 24, "reserved"],
  ["203.0.113.0", 24, "reserved"],
  ["224.0.0.0", 4, "multicast"],
  ["240.0.0.0", 4, "reserved"],
];
const V6: [string, number, Kind][] = [
  ["::", 128, "reserved"],
  ["::1", 128, "loopback"],
  // IPv4-compatible and NAT64 forms can reach IPv4 hosts behind a translator.
  ["::", 96, "reserved"],
  ["64:ff9b::", 96, "reserved"],
  ["100::", 64, "reserved"],
  ["2001:db8::", 32, "reserved"],
  ["fc00::", 7, "private"],
  ["fe80::", 10, "link-local"],
  ["ff00::", 8, "multicast"],
];
const KINDS = new Map<Kind, BlockList>();
for (const [network, prefix, kind] of [...V4, ...V6]) {
  const list = KINDS.get(kind) ?? new BlockList();
  list.addSubnet(network, prefix, network.includes(":") ? "ipv6" : "ipv4");
  KINDS.set(kind, list);
}

/** Most specific first: `::1` is loopback before it is within the reserved `::/96`. */
const KIND_ORDER: Kind[] = ["loopback", "link-local", "private", "shared", "multicast", "reserved"];

/** An address in one family, IPv4-mapped IPv6 (`::ffff:7f00:1`) turned back into IPv4. */
function normalise(address: string): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 4) return { address: bare, family: "ipv4" };
  if (family !== 6) return undefined;
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (dotted?.[1]) return { address: dotted[1], family: "ipv4" };
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (hex?.[1] && hex[2]) {
    const high = Number.parseInt(hex[1], 16);
    const low = Number.parseInt(hex[2], 16);
    return { address: `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, family: "ipv4" };
  }
  return { address: bare, family: "ipv6" };
}

/** What kind of non-public address this is, or undefined for a public address (or not an address). */
export function addressKind(address: string): Kind | undefined {
  const ip = normalise(address);
  if (!ip) return undefined;
  return KIND_ORDER.find((kind) => KINDS.get(kind)?.check(ip.address, ip.family));
}

/** Whether an IP address literal is loopback, private, link-local, multicast or reserved. */
export const isPrivateAddress = (address: string): boolean => addressKind(address) !== undefined;

const describeKind = (kind: Kind): string =>
  kind === "link-local"
    ? "a link-local address (where cloud metadata endpoints answer)"
    : `a ${kind} address`;

/** The allowlist: host names (exact, any case), `*.` domains, addresses and CIDR blocks. */
export interface AllowList {
  names: ReadonlySet<string>;
  /** From `*.corp.example`: `.corp.example`, which every name below that domain ends with. */
  domains: readonly string[];
  networks: BlockList;
  /** As given, for messages. */
  entries: readonly string[];
}

const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}[a-z0-9_])?)*\.?$/i;

/**
 * Reads an allowlist written as `127.0.0.1/32,localhost,*.corp.example,10.0.0.0/8,::1`. A `*.`
 * entry opens every name below its domain (`api.corp.example`, `a.b.corp.example`), not the
 * domain itself. Fails naming the first entry that is neither a host name, a `*.` domain, an IP
 * address nor a CIDR block.
 */
export function parseAllowList(
  text: string | readonly string[],
): { ok: true; value: AllowList } | { ok: false; message: string } {
  const entries = (typeof text === "string" ? text.split(",") : text).map((e) => e.trim()).filter(Boolean);
  const names = new Set<string>();
  const domains = new Set<string>();
  const networks = new BlockList();
  for (const entry of entries) {
    if (entry.includes("*")) {
      const domain = entry.slice(2);
      if (!entry.startsWith("*.") || domain.includes("*") || !HOST_NAME.test(domain) || isIP(domain)) {
        return {
          ok: false,
          message: `"${entry}": a wildcard is written *.domain (such as *.corp.example), opening every name below it`,
        };
      }
      domains.add(`.${domain.toLowerCase().replace(/\.$/, "")}`);
      continue;
    }
    const [base = "", prefix, extra] = entry.split("/");
    const ip = normalise(base);
    if (ip) {
      const max = ip.family === "ipv4" ? 32 : 128;
      const bits = prefix === undefined ? max : Number(prefix);
      if (extra !== undefined || !/^\d{1,3}$/.test(prefix ?? String(max)) || bits > max) {
        return { ok: false, message: `"${entry}": a CIDR prefix must be a number from 0 to ${max}` };
      }
      networks.addSubnet(ip.address, bits, ip.family);
    } else if (prefix === undefined && HOST_NAME.test(base)) {
      names.add(base.toLowerCase().replace(/\.$/, ""));
    } else {
      return {
        ok: false,
        message: `"${entry}" is not a host name, a *.domain, an IP address or a CIDR block such as 10.0.0.0/8`,
      };
    }
  }
  return { ok: true, value: { names, domains: [...domains], networks, entries } };
}

export interface GuardOptions {
  /** Destinations opened despite not being public; an unparseable entry throws. */
  allow?: string | readonly string[] | AllowList;
  /** Every address a name resolves to; the system resolver by default (tests play DNS with it). */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

const systemResolve = (hostname: string): Promise<LookupAddress[]> => lookup(hostname, { all: true });

/** The guard every request of a run goes through; nothing non-public is reachable unless allowed. */
export function outboundGuard(options: GuardOptions = {}): AddressGuard {
  const allow = toAllowList(options.allow ?? []);
  const resolve = options.resolve ?? systemResolve;
  const nameAllowed = (host: string) => {
    const name = host.toLowerCase().replace(/\.$/, "");
    if (allow.names.has(name)) return true;
    // An address is opened by address or block only: `*.0.1` does not open 10.0.0.1.
    return !isIP(name) && allow.domains.some((domain) => name.endsWith(domain));
  };
  /** Why connecting to this address (reached through `host`) is refused, else undefined. */
  const refusal = (host: string, address: string): string | undefined => {
    const kind = addressKind(address);
    if (kind === undefined || nameAllowed(host)) return undefined;
    const ip = normalise(address);
    if (ip && allow.networks.check(ip.address, ip.family)) return undefined;
    const what = host === address ? address : `${host} resolves to ${address}, which`;
    return `${what} is ${describeKind(kind)}; the drone reaches only public addresses unless ${ALLOW_SETTING} lists it`;
  };

  const dispatcher = new Agent({
    connect: {
      lookup(hostname: string, lookupOptions: LookupOptions, callback: LookupCallback) {
        resolve(hostname).then(
          (resolved) => {
            const family =
              lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
            const addresses = family ? resolved.filter((entry) => entry.family === family) : resolved;
            // Only the addresses this drone may reach are handed to the connection.
            const allowed = addresses.filter((entry) => refusal(hostname, entry.address) === undefined);
            const first = allowed[0];
            if (!first) {
              const reason = addresses[0] && refusal(hostname, addresses[0].address);
              const error = reason
                ? new ForbiddenDestination(reason)
                : Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
              return callback(error, []);
            }
            if (lookupOptions.all) callback(null, allowed);
            else callback(null, first.address, first.family);
          },
          (error: NodeJS.ErrnoException) => callback(error, []),
        );
      },
    },
  });

  const known = new Map<string, boolean>();
  return {
    dispatcher,
    refuse(url) {
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        return `${url.protocol.replace(/:$/, "")}: URLs are not fetched; only http and https are`;
      }
      const host = url.hostname.replace(/^\[|\]$/g, "");
      return isIP(host) ? refusal(host, host) : undefined;
    },
    async isPrivate(hostname) {
      const host = hostname.replace(/^\[|\]$/g, "");
      if (isIP(host)) return isPrivateAddress(host);
      const cached = known.get(host);
      if (cached !== undefined) return cached;
      let answer: boolean;
      try {
        const addresses = await resolve(host);
        answer = addresses.some((entry) => isPrivateAddress(entry.address));
      } catch {
        // A name that does not resolve counts as public here; connecting to it fails anyway.
        answer = false;
      }
      known.set(host, answer);
      return answer;
    },
  };
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

function toAllowList(allow: string | readonly string[] | AllowList): AllowList {
  if (typeof allow === "object" && "networks" in allow) return allow;
  const parsed = parseAllowList(allow);
  if (!parsed.ok) throw new Error(`${ALLOW_SETTING}: ${parsed.message}`);
  return parsed.value;
}

/** An allowlist opening the loopback interface, for tests and local tools. */
export const LOOPBACK = ["127.0.0.0/8", "::1", "localhost"] as const;
