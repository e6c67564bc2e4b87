/**
 * @module The outbound guard for redirects. A public source must not be able to send the drone
 * to an address inside its network (loopback, private ranges, link-local and cloud metadata
 * endpoints) by answering with a redirect. A source that is itself on such an address (a local
 * test server, an intranet API) may redirect within it.
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

export interface AddressGuard {
  /** Whether the host is, or resolves to, an address that is not public. */
  isPrivate(hostname: string): Promise<boolean>;
}

const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, "ipv6");
}

/** Whether an IP address literal is loopback, private, link-local, multicast or reserved. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return NOT_PUBLIC.check(mapped[1], "ipv4");
  const family = isIP(bare);
  if (family === 4) return NOT_PUBLIC.check(bare, "ipv4");
  if (family === 6) return NOT_PUBLIC.check(bare, "ipv6");
  return false;
}

/** Resolves names with the system resolver; a name that does not resolve counts as public (it fails later). */
export function dnsGuard(): AddressGuard {
  const known = new Map<string, boolean>();
  return {
    async isPrivate(hostname) {
      const host = hostname.replace(/^\[|\]$/g, "");
      if (isIP(host)) return isPrivateAddress(host);
      const cached = known.get(host);
      if (cached !== undefined) return cached;
      let answer: boolean;
      try {
        const addresses = await lookup(host, { all: true });
        answer = addresses.some((entry) => isPrivateAddress(entry.address));
      } catch {
        answer = false;
      }
      known.set(host, answer);
      return answer;
    },
  };
}
