// The seed's releases against their own source: what the generator writes for Kubernetes 1.1 and 1.2
// is checked against release-facts.json, which scripts/release-facts reads out of the release
// modules (k8s.io/kubernetes@v1.1.8 and @v1.2.7: flag registrations, token file reader, cloud-config
// structs, the DNS addon and salt manifests). Where the guide and the source disagree, the source wins.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load, loadAll } from "js-yaml";
import { parseSpec, type ClusterSpecInput } from "../src/index.js";
import type { Artifact } from "../src/artifact.js";
import { renderCluster } from "../src/components/index.js";
import { planCluster } from "../src/plan/plan.js";
import { FLAG_WINDOWS, FlagSet, flagInWindow, releaseFlags } from "../src/versions/flags.js";
import { resolveKubernetesVersion } from "../src/versions/kubernetes.js";
import { versionProfile } from "../src/versions/profile.js";
import { fixtureFiles, repoRoot } from "./helpers.js";
import { fixtureSpec, issueFor } from "./pki-helpers.js";

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
}

interface ReleaseFacts {
  legacy: Record<
    string,
    {
      saltApiserverLivenessProbe: { host: string; port: number; path: string };
      saltEtcdImage: { tag: string };
      kube2sky: { flags: string[] };
      tokenAuthFile: { minColumns: number; fieldsPerRecord: number | null; columnsRead: number[] };
      dnsAddon: {
        name: string;
        labels: Record<string, string>;
        selector: Record<string, string>;
        containers: Container[];
        dnsPolicy: string;
      };
    }
  >;
}

const facts = JSON.parse(
  readFileSync(join(repoRoot, "packages/core/src/versions/release-facts.json"), "utf8"),
) as ReleaseFacts;

const LEGACY_FIXTURES = fixtureFiles("specs")
  .filter((entry) => /^seed-/.test(entry.name))
  .map((entry) => entry.name);

function profileOf(version: string) {
  const resolved = resolveKubernetesVersion(version);
  if (!resolved) throw new Error(`no Kubernetes ${version}`);
  return versionProfile(resolved);
}

const releaseOf = (version: string) => facts.legacy[`v${profileOf(version).version}`];

async function rendered(name: string) {
  const { spec, plan } = fixtureSpec(name);
  return { spec, plan, output: renderCluster(spec, plan, await issueFor(spec, plan)) };
}

function artifactAt(artifacts: readonly Artifact[] | undefined, path: string): Artifact {
  const found = artifacts?.find((entry) => entry.path === path);
  if (!found) throw new Error(`no ${path}`);
  return found;
}

/** Replaces the salt template placeholders of the era's addon with the cluster's values. */
function filled(text: string, domain: string): string {
  return text.replace(/\{\{ pillar\['dns_domain'\] \}\}/g, domain);
}

const withoutRegistry = (image: string) => image.replace(/^.*\//, "");

describe("the source-derived table (src/versions/generated/release-facts.ts)", () => {
  it("is what scripts/gen-release-facts.mjs makes of release-facts.json", () => {
    expect(() =>
      execFileSync("node", ["scripts/gen-release-facts.mjs", "--check"], { cwd: repoRoot, stdio: "pipe" }),
    ).not.toThrow();
  });

  it("refuses a flag the release's binary does not register: a planted wrong flag fails", () => {
    const profile = profileOf("1.2");
    // --cluster-name is in the guide's apiserver list; 1.2.7's kube-apiserver exits on it.
    expect(releaseFlags("kube-apiserver", profile)).not.toContain("--cluster-name");
    expect(() => new FlagSet("kube-apiserver", profile).set("--cluster-name", "seed")).toThrow(
      /kube-apiserver --cluster-name is not accepted by Kubernetes 1\.2\.7/,
    );
    // Where a window is wrong, the source still refuses: a 1.2 profile that claims minor 10 passes
    // the window of --kubelet-preferred-address-types, which 1.2.7 does not register.
    const wrongWindow = { ...profile, minorNumber: 10 };
    expect(() =>
      new FlagSet("kube-apiserver", wrongWindow).set("--kubelet-preferred-address-types", "InternalIP"),
    ).toThrow(/not registered by kube-apiserver in the source of Kubernetes 1\.2\.7/);
    expect(new FlagSet("kube-apiserver", profileOf("1.1")).accepts("--cluster-name")).toBe(true);
    expect(new FlagSet("kube-controller-manager", profile).accepts("--cluster-name")).toBe(true);
  });

  // Windows that deliberately stay narrower than the last patch's source, with the reason.
  const NARROWER: Readonly<Record<string, string>> = {
    // Cherry-picked into a 1.2 patch (kubernetes#24429 is 1.3 work): 1.2.0 refuses it, and a spec may
    // pin any 1.2.x, so it is left out for the whole line.
    "kube-proxy --cluster-cidr 1.2": "registered by 1.2.7 only",
  };

  for (const minor of ["1.1", "1.2"]) {
    it(`FLAG_WINDOWS agrees with the flags each ${minor} binary registers`, () => {
      const profile = profileOf(minor);
      const disagreements: string[] = [];
      for (const component of [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
        "kubelet",
        "kube-proxy",
        "etcd",
      ] as const) {
        const registered = releaseFlags(component, profile);
        if (!registered) throw new Error(`no facts for ${component} ${minor}`);
        const flags = new Set(
          FLAG_WINDOWS.filter((window) => window.component === component).map((w) => w.flag),
        );
        for (const flag of flags) {
          const windowed = FLAG_WINDOWS.some(
            (window) =>
              window.component === component &&
              window.flag === flag &&
              flagInWindow(window, profile.minorNumber),
          );
          const inSource = registered.includes(flag);
          // etcd's windows say which Kubernetes releases run etcd that way, not what etcd accepts.
          if (component === "etcd" && !windowed) continue;
          if (windowed !== inSource && NARROWER[`${component} ${flag} ${minor}`] === undefined)
            disagreements.push(`${component} ${flag}: window ${windowed}, source ${inSource}`);
        }
      }
      expect(disagreements).toEqual([]);
    });
  }
});

describe.each(LEGACY_FIXTURES)("%s against its release's source", (name) => {
  it("the apiserver's liveness probe asks where the era's salt manifest asks (HTTPS) or the bound address", async () => {
    const { spec, plan, output } = await rendered(name);
    const release = releaseOf(plan.profile.version);
    const master = plan.nodes.find((node) => node.ip === plan.controlPlane.masterIP);
    const manifest = artifactAt(
      output.nodes.get(master?.name ?? ""),
      "/etc/kubernetes/manifests/kube-apiserver.json",
    );
    const pod = JSON.parse(manifest.content) as {
      spec: { containers: { livenessProbe: { httpGet: { host?: string; port: number; path: string } } }[] };
    };
    const probe = pod.spec.containers[0]?.livenessProbe.httpGet;
    const salt = release?.saltApiserverLivenessProbe;
    expect({ port: probe?.port, path: probe?.path }).toEqual({ port: salt?.port, path: salt?.path });
    // The insecure port listens on 127.0.0.1 in HTTPS mode; behind the firewall on the node's address.
    expect(probe?.host).toBe(spec.security.mode === "https" ? salt?.host : master?.ip);
  });

  it("known_tokens.csv has the shape the release's token reader accepts", async () => {
    const { plan, output } = await rendered(name);
    const reader = releaseOf(plan.profile.version)?.tokenAuthFile;
    for (const artifacts of output.nodes.values()) {
      const file = artifacts.find((entry) => entry.path.endsWith("/known_tokens.csv"));
      if (!file) continue;
      // Quoted groups may hold commas: count columns the way encoding/csv does.
      const widths = file.content
        .trimEnd()
        .split("\n")
        .map((row) => row.replace(/"[^"]*"/g, "x").split(",").length);
      expect(Math.min(...widths)).toBeGreaterThanOrEqual(reader?.minColumns ?? Infinity);
      // FieldsPerRecord 0 (Go's default): every row as wide as the first. Columns past the ones
      // the reader reads would be dropped without a word.
      if (reader?.fieldsPerRecord === null) expect(new Set(widths).size).toBe(1);
      expect(Math.max(...widths)).toBeLessThanOrEqual(Math.max(...(reader?.columnsRead ?? [])) + 1);
    }
  });

  it("the DNS addon is the release's own kube-dns, with the kube-system namespace it needs first", async () => {
    const { spec, plan, output } = await rendered(name);
    const addon = releaseOf(plan.profile.version)?.dnsAddon;
    const dns = artifactAt(output.admin, "addons/dns.yaml");
    const objects = loadAll(dns.content) as {
      kind: string;
      metadata: { name: string; labels?: Record<string, string> };
      spec: {
        selector?: Record<string, string>;
        template?: { spec: { containers: Container[]; dnsPolicy: string } };
      };
    }[];
    // The apiserver creates kube-system itself only from 1.3.
    expect(objects[0]).toMatchObject({ kind: "Namespace", metadata: { name: "kube-system" } });
    const controller = objects.find((object) => object.kind === "ReplicationController");
    expect(controller?.metadata.name).toBe(addon?.name);
    expect(controller?.metadata.labels).toEqual(addon?.labels);
    expect(controller?.spec.selector).toEqual(addon?.selector);
    expect(controller?.spec.template?.spec.dnsPolicy).toBe(addon?.dnsPolicy);
    const domain = plan.network.clusterDomain.replace(/\.$/, "");
    const containers = controller?.spec.template?.spec.containers ?? [];
    expect(containers.map((container) => container.name)).toEqual(addon?.containers.map((each) => each.name));
    for (const expected of addon?.containers ?? []) {
      const actual = containers.find((container) => container.name === expected.name);
      expect(withoutRegistry(actual?.image ?? "")).toBe(withoutRegistry(expected.image));
      expect(actual?.command).toEqual(expected.command?.map((part) => filled(part, domain)));
      const args = expected.args?.map((part) => filled(part, domain));
      if (expected.name === "kube2sky" && spec.security.mode === "firewall-only") {
        // Behind the firewall kube2sky reads the apiserver's insecure port, which pods may reach.
        expect(actual?.args?.slice(0, args?.length)).toEqual(args);
        expect(actual?.args?.slice(args?.length)).toEqual([
          expect.stringMatching(
            new RegExp(`^--?kube[-_]master[-_]url=http://${plan.controlPlane.masterIP}:8080$`),
          ),
        ]);
      } else {
        expect(actual?.args).toEqual(args);
      }
    }
  });

  it("the DNS pod is Ready only when names resolve: the release's own probes", async () => {
    const { plan, output } = await rendered(name);
    const dns = loadAll(artifactAt(output.admin, "addons/dns.yaml").content) as {
      kind: string;
      spec: {
        template?: {
          spec: {
            containers: { name: string; readinessProbe?: { httpGet: { path: string; port: number } } }[];
          };
        };
      };
    }[];
    const containers = dns.find((object) => object.kind === "ReplicationController")?.spec.template?.spec
      .containers;
    const ready = containers
      ?.filter((container) => container.readinessProbe !== undefined)
      .map((c) => c.name);
    if (plan.profile.minor === "1.2") {
      // kube2sky registers --healthz-port (8081) and answers /readiness once kubernetes.default has its record.
      expect(facts.legacy["v1.2.7"]?.kube2sky.flags).toContain("healthz-port");
      expect(ready).toEqual(["kube2sky"]);
      expect(containers?.find((container) => container.name === "kube2sky")?.readinessProbe?.httpGet).toEqual(
        {
          path: "/readiness",
          port: 8081,
          scheme: "HTTP",
        },
      );
    } else {
      // 1.1's skydns is Ready when exechealthz's nslookup of kubernetes.default succeeds.
      expect(ready).toEqual(["skydns"]);
    }
  });

  it("etcd runs the image tag of the era's salt manifest", async () => {
    const { plan, output } = await rendered(name);
    const tag = releaseOf(plan.profile.version)?.saltEtcdImage.tag;
    const member = plan.nodes.find((node) => node.roles.includes("etcd"));
    const manifest = artifactAt(output.nodes.get(member?.name ?? ""), "/etc/kubernetes/manifests/etcd.json");
    const pod = JSON.parse(manifest.content) as { spec: { containers: { image: string }[] } };
    expect(pod.spec.containers[0]?.image.replace(/^.*:/, "")).toBe(tag);
  });
});

describe("the guide against the source", () => {
  const seedHttps = fixtureFiles("specs").find((entry) => entry.name === "seed-https.yaml")?.text ?? "";

  it("1.1's token file has no groups column: its reader wants every row as wide as the first", async () => {
    const input = load(seedHttps) as ClusterSpecInput;
    input.kubernetesVersion = "1.1";
    const { spec } = parseSpec(input);
    const plan = planCluster(spec);
    const output = renderCluster(spec, plan, await issueFor(spec, plan));
    const tokens = artifactAt(output.nodes.get("master"), "/srv/kubernetes/known_tokens.csv");
    expect(
      tokens.content
        .trimEnd()
        .split("\n")
        .map((row) => row.split(",").length),
    ).toEqual([3, 3, 3]);
  });
});
