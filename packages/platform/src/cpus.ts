/**
 * @module How many CPUs this process may use: the cores it may run on, capped by a container's
 * CPU quota. `os.availableParallelism()` sees the cores but not the quota, so in a container
 * limited to one CPU on a 16-core host it says 16.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/** At least 1; `cgroupRoot` is where the cgroup filesystem is mounted (tests point it elsewhere). */
export function usableCpus(cgroupRoot = "/sys/fs/cgroup"): number {
  const cores = availableParallelism();
  const quota = cpuQuota(cgroupRoot);
  return Math.max(1, quota === undefined ? cores : Math.min(cores, Math.ceil(quota)));
}

/** CPUs' worth of time per period the cgroup allows, or undefined when unlimited or unknown. */
export function cpuQuota(cgroupRoot = "/sys/fs/cgroup"): number | undefined {
  // cgroup v2: "<quota> <period>" or "max <period>".
  const v2 = read(join(cgroupRoot, "cpu.max"));
  if (v2 !== undefined) {
    const [quota, period] = v2.split(/\s+/);
    return ratio(quota, period);
  }
  // cgroup v1: quota -1 means unlimited.
  for (const dir of ["cpu", "cpu,cpuacct"]) {
    const quota = read(join(cgroupRoot, dir, "cpu.cfs_quota_us"));
    if (quota !== undefined) return ratio(quota, read(join(cgroupRoot, dir, "cpu.cfs_period_us")));
  }
  return undefined;
}

function ratio(quota: string | undefined, period: string | undefined): number | undefined {
  const q = Number(quota);
  const p = Number(period);
  if (!Number.isFinite(q) || !Number.isFinite(p) || q <= 0 || p <= 0) return undefined;
  return q / p;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
}
