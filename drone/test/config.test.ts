import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";

describe("the drone's configuration", () => {
  it("opens no non-public destination unless DRONE_ALLOW_NETWORKS lists it", () => {
    expect(loadConfig({}).DRONE_ALLOW_NETWORKS.entries).toEqual([]);
    const allowed = loadConfig({ DRONE_ALLOW_NETWORKS: "127.0.0.1/32, localhost,10.0.0.0/8" });
    expect(allowed.DRONE_ALLOW_NETWORKS.entries).toEqual(["127.0.0.1/32", "localhost", "10.0.0.0/8"]);
    expect([...allowed.DRONE_ALLOW_NETWORKS.names]).toEqual(["localhost"]);
    expect(allowed.DRONE_ALLOW_NETWORKS.networks.check("10.9.8.7")).toBe(true);
    expect(allowed.DRONE_ALLOW_NETWORKS.networks.check("192.168.0.1")).toBe(false);
  });

  it("names the DRONE_ALLOW_NETWORKS entry it cannot read", () => {
    expect(() => loadConfig({ DRONE_ALLOW_NETWORKS: "localhost,10.0.0.0/8x" })).toThrow(
      'DRONE_ALLOW_NETWORKS: "10.0.0.0/8x": a CIDR prefix must be a number from 0 to 32',
    );
  });
});
