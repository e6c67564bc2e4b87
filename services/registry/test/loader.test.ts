import { mkdir, mkdtemp, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDatabase, type Database } from "@chartly/db";
import { createTestDatabase, type TestDatabase } from "@chartly/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { loadProfilesDir } from "../src/profiles/loader.js";
import { getProfile, listProfiles } from "../src/profiles/store.js";

const profile = (id: string, every = "1h") => `id: ${id}
name: ${id}
schedule: { every: ${every} }
source: { url: "https://example.org/${id}" }
records:
  time: { field: t }
  measures: { v: v }
`;

describe("loading a profiles folder", () => {
  let testDb: TestDatabase;
  let database: Database;
  let dir: string;

  beforeAll(async () => {
    testDb = await createTestDatabase(inject("databaseAdminUrl"));
    database = createDatabase(testDb.url, { max: 2 });
    dir = await mkdtemp(join(tmpdir(), "profiles-"));
  });
  afterAll(async () => {
    await database.close();
    await testDb.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("loads the valid files and reports the invalid one without stopping", async () => {
    await writeFile(join(dir, "a.yaml"), profile("a"));
    await writeFile(join(dir, "b.yml"), profile("b"));
    await writeFile(join(dir, "broken.yaml"), profile("broken", "sometimes"));
    const report = await loadProfilesDir(database.sql, "t1", dir);
    expect(report.loaded.map((l) => [l.id, l.outcome, l.version])).toEqual([
      ["a", "created", 1],
      ["b", "created", 1],
    ]);
    expect(report.problems).toEqual([
      expect.objectContaining({ file: "broken.yaml", line: 3, field: "schedule.every" }),
    ]);
    expect((await listProfiles(database.sql, "t1")).map((p) => p.id)).toEqual(["a", "b"]);
  });

  it("keeps the version when the text is unchanged and adds one when it changes", async () => {
    await unlink(join(dir, "broken.yaml"));
    let report = await loadProfilesDir(database.sql, "t1", dir);
    expect(report.loaded.map((l) => l.outcome)).toEqual(["unchanged", "unchanged"]);

    await writeFile(join(dir, "a.yaml"), profile("a", "2h"));
    report = await loadProfilesDir(database.sql, "t1", dir);
    expect(report.loaded.find((l) => l.id === "a")).toMatchObject({ outcome: "updated", version: 2 });
    expect((await getProfile(database.sql, "t1", "a"))?.spec.schedule.every).toBe("2h");

    // Going back to an earlier text makes that version current again rather than adding a third.
    await writeFile(join(dir, "a.yaml"), profile("a"));
    report = await loadProfilesDir(database.sql, "t1", dir);
    expect(report.loaded.find((l) => l.id === "a")).toMatchObject({ outcome: "updated", version: 1 });
  });

  it("refuses a second file with an id already taken", async () => {
    await writeFile(join(dir, "c.yaml"), profile("a"));
    const report = await loadProfilesDir(database.sql, "t1", dir);
    expect(report.problems).toEqual([
      expect.objectContaining({
        file: "c.yaml",
        field: "id",
        message: 'profile id "a" is already defined in a.yaml',
      }),
    ]);
    await unlink(join(dir, "c.yaml"));
  });

  it("disables a profile whose file was removed, keeping its history", async () => {
    await unlink(join(dir, "b.yml"));
    const report = await loadProfilesDir(database.sql, "t1", dir);
    expect(report.disabled).toEqual(["b"]);
    expect(await getProfile(database.sql, "t1", "b")).toMatchObject({ enabled: false, version: 1 });
  });

  it("reads a folder mounted as Kubernetes mounts a ConfigMap, and follows its atomic updates", async () => {
    // Each key is a link to ..data/<key>; ..data links to a hidden folder swapped on update.
    const mount = await mkdtemp(join(tmpdir(), "configmap-"));
    const version = async (name: string, files: Record<string, string>) => {
      await mkdir(join(mount, name));
      for (const [file, text] of Object.entries(files)) await writeFile(join(mount, name, file), text);
      await symlink(name, join(mount, "..data_tmp"));
      await rename(join(mount, "..data_tmp"), join(mount, "..data"));
    };
    try {
      await version("..2026_01_01_v1", { "k1.yaml": profile("k1"), "k2.yaml": profile("k2") });
      for (const file of ["k1.yaml", "k2.yaml"]) await symlink(join("..data", file), join(mount, file));
      await symlink("..data/missing.yaml", join(mount, "dangling.yaml"));

      let report = await loadProfilesDir(database.sql, "t3", mount);
      expect(report.problems).toEqual([]);
      expect(report.loaded.map((l) => [l.file, l.id, l.outcome])).toEqual([
        ["k1.yaml", "k1", "created"],
        ["k2.yaml", "k2", "created"],
      ]);

      await version("..2026_01_02_v2", { "k1.yaml": profile("k1", "2h"), "k2.yaml": profile("k2") });
      report = await loadProfilesDir(database.sql, "t3", mount);
      expect(report.loaded.map((l) => [l.id, l.outcome, l.version])).toEqual([
        ["k1", "updated", 2],
        ["k2", "unchanged", 1],
      ]);
      expect(report.disabled).toEqual([]);
    } finally {
      await rm(mount, { recursive: true, force: true });
    }
  });

  it("keeps tenants apart", async () => {
    expect(await listProfiles(database.sql, "t2")).toEqual([]);
    expect(await getProfile(database.sql, "t2", "a")).toBeUndefined();
  });
});
