import { describe, expect, it } from "vitest";
import { dnsGuard, isPrivateAddress } from "../../src/source/guard.js";

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
      "[::1]",
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
  });

  it("treats public addresses as public", () => {
    for (const address of ["8.8.8.8", "172.32.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it("resolves names, so localhost is private", async () => {
    const guard = dnsGuard();
    expect(await guard.isPrivate("localhost")).toBe(true);
    expect(await guard.isPrivate("127.0.0.1")).toBe(true);
    expect(await guard.isPrivate("[::1]")).toBe(true);
  });
});
