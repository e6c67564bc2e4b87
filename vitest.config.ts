import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Workspace libraries resolve to their TypeScript sources, so tests never need a build first.
const alias = [
  {
    find: /^@chartly\/(contracts|platform|db|testkit|forecast)$/,
    replacement: `${root("packages")}/$1/src/index.ts`,
  },
];

const project = (name: string, dir: string) => ({
  resolve: { alias },
  test: {
    name,
    root: root(dir),
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks" as const,
  },
});

export default defineConfig({
  resolve: { alias },
  test: {
    globalSetup: [root("packages/testkit/src/global-setup.ts")],
    projects: [
      project("@chartly/contracts", "packages/contracts"),
      project("@chartly/platform", "packages/platform"),
      project("@chartly/db", "packages/db"),
      project("@chartly/testkit", "packages/testkit"),
      project("@chartly/forecast", "packages/forecast"),
      project("@chartly/registry", "services/registry"),
      project("@chartly/coordinator", "services/coordinator"),
      project("@chartly/aggregator", "services/aggregator"),
      project("@chartly/gateway", "services/gateway"),
      project("@chartly/reporter", "services/reporter"),
      project("@chartly/drone", "drone"),
      project("e2e", "."),
    ],
  },
});
