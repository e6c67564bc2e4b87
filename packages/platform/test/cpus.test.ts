import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cpuQuota, usableCpus } from "../src/index.js";

describe("usable CPUs", () => {
  const roots: string[] = [];
  /** A cgroup filesystem holding `files` (relative path → content). */
  const cgroup = async (files: Record<string, string>) => {
    const root = await mkdtemp(join(tmpdir(), "chartly-cgroup-"));
    roots.push(root);
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(root, path, ".."), { recursive: true });
      await writeFile(join(root, path), content);
    }
    return root;
  };
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  });

  it("reads a cgroup v2 quota, rounding a fraction of a CPU up", async () => {
    expect(cpuQuota(await cgroup({ "cpu.max": "150000 100000\n" }))).toBe(1.5);
    expect(usableCpus(await cgroup({ "cpu.max": "50000 100000\n" }))).toBe(1);
  });

  it("reads a cgroup v1 quota, and takes -1 or max as no limit", async () => {
    const v1 = await cgroup({
      "cpu,cpuacct/cpu.cfs_quota_us": "100000",
      "cpu,cpuacct/cpu.cfs_period_us": "100000",
    });
    expect(cpuQuota(v1)).toBe(1);
    expect(cpuQuota(await cgroup({ "cpu/cpu.cfs_quota_us": "-1", "cpu/cpu.cfs_period_us": "100000" }))).toBe(
      undefined,
    );
    expect(cpuQuota(await cgroup({ "cpu.max": "max 100000" }))).toBe(undefined);
  });

  it("never says more than the cores it may run on, nor fewer than one", async () => {
    const generous = await cgroup({ "cpu.max": `${(availableParallelism() + 8) * 100_000} 100000` });
    expect(usableCpus(generous)).toBe(availableParallelism());
    expect(usableCpus(await cgroup({}))).toBe(availableParallelism());
    expect(usableCpus(await cgroup({ "cpu.max": "garbage" }))).toBe(availableParallelism());
  });
});
