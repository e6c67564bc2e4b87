/**
 * The deployment files against the code they start: every variable a Kubernetes manifest or a
 * Compose file gives a Chartly process is one that process reads (a misspelt one would be
 * ignored without a word), ports and probes meet the process's HTTP server, and every reference
 * (volume, secret file, Service selector, kustomize resource) leads somewhere.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { baseConfigShape } from "@chartly/platform";
import { REPO_ROOT } from "@chartly/testkit";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { ConfigSchema as DroneConfig } from "../drone/src/config.js";
import { ConfigSchema as AggregatorConfig } from "../services/aggregator/src/config.js";
import { ConfigSchema as CoordinatorConfig } from "../services/coordinator/src/config.js";
import { ConfigSchema as GatewayConfig } from "../services/gateway/src/config.js";
import { ConfigSchema as RegistryConfig } from "../services/registry/src/config.js";
import { ConfigSchema as ReporterConfig } from "../services/reporter/src/config.js";

/** The variables each `SERVICE` of the image reads (each may also come as `<NAME>_FILE`). */
const READS: Record<string, string[]> = {
  gateway: Object.keys(GatewayConfig.shape),
  registry: Object.keys(RegistryConfig.shape),
  coordinator: Object.keys(CoordinatorConfig.shape),
  aggregator: Object.keys(AggregatorConfig.shape),
  reporter: Object.keys(ReporterConfig.shape),
  drone: Object.keys(DroneConfig.shape),
  migrate: [...Object.keys(baseConfigShape), "DATABASE_URL"],
  "demo-source": ["DEMO_SOURCE_HOST", "DEMO_SOURCE_PORT"],
};

/** Names a process of `service` would not read, in `names`. */
function unread(service: string, names: string[]): string[] {
  const reads = READS[service];
  if (!reads) return [`SERVICE=${service} (no such process)`];
  return names.filter(
    (name) =>
      name !== "SERVICE" &&
      !reads.includes(name) &&
      !(name.endsWith("_FILE") && reads.includes(name.slice(0, -"_FILE".length))) &&
      !(service === "drone" && /^CHARTLY_SECRET_[A-Z0-9_]+$/.test(name)),
  );
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), "utf8");

function parseYaml<T>(path: string): T[] {
  const docs = parseAllDocuments(read(path), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join("; ")}`);
  }
  return list.map((doc) => doc.toJS() as T).filter(Boolean);
}

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  livenessProbe?: { httpGet?: { path: string; port: string } };
  readinessProbe?: { httpGet?: { path: string; port: string } };
  startupProbe?: { httpGet?: { path: string; port: string } };
}

interface Volume {
  name: string;
  secret?: { secretName: string };
  configMap?: { name: string; optional?: boolean };
}

interface Workload {
  kind: string;
  metadata: { name: string };
  spec: {
    template: {
      metadata: { labels?: Record<string, string> };
      spec: { containers: Container[]; initContainers?: Container[]; volumes?: Volume[] };
    };
    volumeClaimTemplates?: { metadata: { name: string } }[];
  };
}

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    selector?: Record<string, string> & { matchLabels?: Record<string, string> };
    ports?: { targetPort: string }[];
  };
}

describe("the Kubernetes manifests", () => {
  const kustomization = parseYaml<{ resources: string[] }>("k8s/kustomization.yaml")[0] ?? { resources: [] };
  const objects = kustomization.resources.flatMap((file) => parseYaml<Manifest>(`k8s/${file}`));
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const configMaps = new Map(byKind("ConfigMap").map((c) => [c.metadata.name, c.data ?? {}]));
  const workloads = objects.filter(
    (o) => o.kind === "Deployment" || o.kind === "StatefulSet",
  ) as unknown as Workload[];
  const chartly = workloads.flatMap((w) =>
    [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers]
      .filter((c) => c.image === "chartly")
      .map((container) => ({ workload: w, container })),
  );
  const readme = read("k8s/README.md");

  it("lists every manifest in the kustomization, and nothing that is not there", () => {
    const files = readdirSync(join(REPO_ROOT, "k8s")).filter(
      (f) => f.endsWith(".yaml") && f !== "kustomization.yaml",
    );
    expect([...kustomization.resources].sort()).toEqual(files.sort());
    expect(chartly.map((c) => `${c.workload.metadata.name}/${c.container.name}`)).toEqual(
      expect.arrayContaining(["gateway/gateway", "registry/registry", "coordinator/coordinator"]),
    );
  });

  it("gives each Chartly process only variables it reads, SERVICE naming a process", () => {
    const problems = chartly.flatMap(({ workload, container }) => {
      const env = container.env ?? [];
      const fromMaps = (container.envFrom ?? []).flatMap((from) => {
        const name = from.configMapRef?.name ?? "";
        const data = configMaps.get(name);
        return data ? Object.keys(data) : [`(no ConfigMap ${name})`];
      });
      const service = env.find((e) => e.name === "SERVICE")?.value ?? "(no SERVICE)";
      return unread(service, [...env.map((e) => e.name), ...fromMaps]).map(
        (name) => `${workload.metadata.name}/${container.name}: ${name}`,
      );
    });
    expect(problems).toEqual([]);
  });

  it("mounts every volume it names, and every *_FILE is a documented key of a mounted secret", () => {
    const problems = workloads.flatMap((workload) => {
      const pod = workload.spec.template.spec;
      const volumes = new Map(pod.volumes?.map((v) => [v.name, v]) ?? []);
      const claims = new Set(workload.spec.volumeClaimTemplates?.map((c) => c.metadata.name) ?? []);
      const containers: Container[] = [...(pod.initContainers ?? []), ...pod.containers];
      return containers.flatMap((container) => {
        const where = `${workload.metadata.name}/${container.name}`;
        const mounts = container.volumeMounts ?? [];
        const found: string[] = mounts
          .filter((m) => !volumes.has(m.name) && !claims.has(m.name))
          .map((m) => `${where}: volume ${m.name} is not defined`);
        for (const variable of container.env ?? []) {
          if (!variable.name.endsWith("_FILE")) continue;
          const mount = mounts.find((m) => variable.value?.startsWith(`${m.mountPath}/`));
          const secret = mount && volumes.get(mount.name)?.secret?.secretName;
          const key = mount && variable.value?.slice(mount.mountPath.length + 1);
          if (!secret) found.push(`${where}: ${variable.name}=${variable.value} is not in a mounted secret`);
          else if (!readme.includes(`${key}=`))
            found.push(
              `${where}: ${variable.name} reads the key ${key} of ${secret}, which README.md never creates`,
            );
        }
        return found;
      });
    });
    expect(problems).toEqual([]);
  });

  it("leaves what README.md has you create to you: `apply -k` would empty it otherwise", () => {
    const created = [...readme.matchAll(/create (?:configmap|secret generic) ([\w-]+)/g)].map((m) => m[1]);
    expect(created).toEqual(expect.arrayContaining(["chartly-secrets", "chartly-profiles"]));
    const defined = objects.map((o) => o.metadata.name);
    expect(created.filter((name) => defined.includes(name as string))).toEqual([]);
    const unknown = workloads.flatMap((w) =>
      (w.spec.template.spec.volumes ?? [])
        .map((v) => v.configMap?.name ?? v.secret?.secretName)
        .filter((name): name is string => name !== undefined)
        .filter((name) => !defined.includes(name) && !created.includes(name))
        .map(
          (name) => `${w.metadata.name}: ${name} is neither in the kustomization nor created in README.md`,
        ),
    );
    expect(unknown).toEqual([]);
  });

  it("probes each process on its own port, /live for liveness and /ready for readiness", () => {
    const problems = chartly
      .filter(({ workload, container }) => workload.spec.template.spec.containers.includes(container))
      .flatMap(({ workload, container }) => {
        const where = `${workload.metadata.name}/${container.name}`;
        const port = container.env?.find((e) => e.name === "HTTP_PORT")?.value;
        const http = container.ports?.find((p) => p.name === "http");
        const found: string[] = [];
        if (!port || !http || Number(port) !== http.containerPort)
          found.push(`${where}: HTTP_PORT ${port} is not its port named http (${http?.containerPort})`);
        const probes = {
          livenessProbe: "/live",
          readinessProbe: "/ready",
          startupProbe: "/live",
        } as const;
        for (const [probe, path] of Object.entries(probes)) {
          const get = container[probe as keyof typeof probes]?.httpGet;
          if (!get) found.push(`${where}: no ${probe}`);
          else if (get.path !== path || get.port !== "http") {
            found.push(`${where}: ${probe} asks ${get.port}${get.path}, expected http${path}`);
          }
        }
        return found;
      });
    expect(problems).toEqual([]);
  });

  it("points every Service and disruption budget at pods that exist, on ports they name", () => {
    const matches = (selector: Record<string, string>, workload: Workload) =>
      Object.entries(selector).every(([k, v]) => workload.spec.template.metadata.labels?.[k] === v);
    const problems = [...byKind("Service"), ...byKind("PodDisruptionBudget")].flatMap((object) => {
      const selector =
        (object.kind === "Service" ? object.spec?.selector : object.spec?.selector?.matchLabels) ?? {};
      const target = workloads.find((w) => Object.keys(selector).length > 0 && matches(selector, w));
      if (!target) return [`${object.kind}/${object.metadata.name} selects no pods`];
      if (object.kind !== "Service") return [];
      const named = target.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));
      return (object.spec?.ports ?? [])
        .filter((p) => !named.includes(p.targetPort))
        .map((p) => `Service/${object.metadata.name}: no port named ${p.targetPort}`);
    });
    expect(problems).toEqual([]);
  });
});

describe("the Compose files", () => {
  it("give each Chartly process only variables it reads", () => {
    const problems = ["docker-compose.control.yml", "docker-compose.drone.yml"].flatMap((file) => {
      const [compose] = parseYaml<{
        services: Record<string, { image?: string; environment?: Record<string, string> }>;
      }>(file);
      return Object.entries(compose?.services ?? {}).flatMap(([name, service]) => {
        if (!(service.image ?? "").startsWith("chartly")) return [];
        const env = service.environment ?? {};
        return unread(env.SERVICE ?? "(no SERVICE)", Object.keys(env)).map((v) => `${file}: ${name}: ${v}`);
      });
    });
    expect(problems).toEqual([]);
  });
});
