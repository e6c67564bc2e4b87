import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fetch } from "undici";
import { describe, expect, it } from "vitest";
import { addressKind, isPrivateAddress, outboundGuard, parseAllowList } from "../../src/source/guard.js";

describe("the outbound guard", () => {
  it("knows loopback, private, link-local (metadata) and reserved addresses", () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:a9fe:a9fe",
      "64:ff9b::a9fe:a9fe",
      "[::1]",
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    expect(addressKind("169.254.169.254")).toBe("link-local");
    expect(addressKind("::ffff:7f00:1")).toBe("loopback");
    expect(addressKind("::1")).toBe("loopback");
  });

  it("treats public addresses as public", () => {
    for (const address of ["8.8.8.8", "172.32.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it("refuses other schemes than http(s)", () => {
    const guard = outboundGuard({ allow: ["0.0.0.0/0"] });
    expect(guard.refuse(new URL("file:///etc/passwd"))).toBe(
      "file: URLs are not fetched; only http and https are",
    );
    expect(guard.refuse(new URL("ftp://ftp.example.org/data.csv"))).toMatch(/^ftp: URLs are not fetched/);
    expect(guard.refuse(new URL("https://example.org/"))).toBeUndefined();
  });

  it("refuses non-public addresses written in the URL, however they are spelled", () => {
    const guard = outboundGuard();
    expect(guard.refuse(new URL("http://169.254.169.254/latest/meta-data/"))).toBe(
      "169.254.169.254 is a link-local address (where cloud metadata endpoints answer); the drone reaches only public addresses unless DRONE_ALLOW_NETWORKS lists it",
    );
    // The URL parser turns these into 127.0.0.1 and ::ffff:7f00:1 before the guard sees them.
    for (const url of [
      "http://127.0.0.1:8080/",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://[::ffff:127.0.0.1]/",
    ]) {
      expect(guard.refuse(new URL(url)), url).toMatch(/is a loopback address; .*DRONE_ALLOW_NETWORKS/);
    }
    expect(guard.refuse(new URL("http://10.0.0.5/"))).toMatch(/^10\.0\.0\.5 is a private address/);
    expect(guard.refuse(new URL("http://[fd00::1]/"))).toMatch(/^fd00::1 is a private address/);
    expect(guard.refuse(new URL("http://8.8.8.8/"))).toBeUndefined();
  });

  it("lets the allowlist open addresses and CIDR blocks, and nothing beside them", () => {
    const guard = outboundGuard({ allow: "127.0.0.1/32, 10.0.0.0/8,::1" });
    expect(guard.refuse(new URL("http://127.0.0.1/"))).toBeUndefined();
    expect(guard.refuse(new URL("http://10.200.3.4/"))).toBeUndefined();
    expect(guard.refuse(new URL("http://[::1]/"))).toBeUndefined();
    expect(guard.refuse(new URL("http://127.0.0.2/"))).toMatch(/loopback/);
    expect(guard.refuse(new URL("http://192.168.1.1/"))).toMatch(/private/);
    expect(guard.refuse(new URL("http://169.254.169.254/"))).toMatch(/link-local/);
  });

  it("reads allowlists and names the entry it cannot read", () => {
    const parsed = parseAllowList(" localhost , 127.0.0.1/32,10.0.0.0/8,fd00::/8,intranet.example.org.");
    expect(parsed.ok && [...parsed.value.names]).toEqual(["localhost", "intranet.example.org"]);
    expect(parseAllowList("")).toMatchObject({ ok: true, value: { entries: [] } });
    expect(parseAllowList("10.0.0.0/33")).toEqual({
      ok: false,
      message: '"10.0.0.0/33": a CIDR prefix must be a number from 0 to 32',
    });
    expect(parseAllowList("localhost,http://10.0.0.1")).toEqual({
      ok: false,
      message:
        '"http://10.0.0.1" is not a host name, a *.domain, an IP address or a CIDR block such as 10.0.0.0/8',
    });
    expect(parseAllowList("example.org/24")).toMatchObject({ ok: false });
    expect(() => outboundGuard({ allow: "10.0.0.0/99" })).toThrow(/^DRONE_ALLOW_NETWORKS: "10.0.0.0\/99"/);
  });

  it("opens every name below a *. domain, and not the domain, its look-alikes or addresses", async () => {
    const parsed = parseAllowList("*.corp.example., *.0.1");
    expect(parsed.ok && parsed.value.domains).toEqual([".corp.example", ".0.1"]);
    // Every name resolves to this loopback server, as an intranet name resolves to a private address.
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const guard = outboundGuard({
      allow: "*.Corp.Example,*.0.1",
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    const reach = async (host: string) => {
      try {
        const response = await fetch(`http://${host}:${port}/`, { dispatcher: guard.dispatcher });
        return await response.text();
      } catch (error) {
        return String((error as Error & { cause?: Error }).cause?.message ?? error);
      }
    };
    try {
      expect(await reach("api.corp.example")).toBe("ok");
      expect(await reach("A.B.CORP.EXAMPLE.")).toBe("ok");
      for (const host of ["corp.example", "evilcorp.example", "corp.example.attacker.net"]) {
        expect(await reach(host)).toBe(
          `${host} resolves to 127.0.0.1, which is a loopback address; the drone reaches only public addresses unless DRONE_ALLOW_NETWORKS lists it`,
        );
      }
      expect(guard.refuse(new URL("http://10.0.0.1/"))).toMatch(/^10\.0\.0\.1 is a private address/);
    } finally {
      server.close();
    }
  });

  it("reads wildcards only as *.domain", () => {
    for (const entry of ["*", "*.", "a.*.example", "*corp.example", "**.example", "*.10.0.0.1"]) {
      expect(parseAllowList(entry)).toEqual({
        ok: false,
        message: `"${entry}": a wildcard is written *.domain (such as *.corp.example), opening every name below it`,
      });
    }
  });

  it("resolves names for the redirect rule, so localhost is private", async () => {
    const guard = outboundGuard();
    expect(await guard.isPrivate("localhost")).toBe(true);
    expect(await guard.isPrivate("127.0.0.1")).toBe(true);
    expect(await guard.isPrivate("[::1]")).toBe(true);
  });
});
