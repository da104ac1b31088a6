// Clusters for the network tests: every fixture, plus variants of netns-routed.yaml that cover each
// network shape setup.sh knows (the seed's docker and rkt, a kubelet-managed bridge, firewall-only,
// no masquerading, each overlay in both eras), all addressed inside 198.18.0.0/15 so their scripts
// can run in network namespaces.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import type { Artifact } from "../../src/artifact.js";
import { renderCluster } from "../../src/components/index.js";
import { parseSpec, planCluster, type ClusterPlan, type ClusterSpec } from "../../src/index.js";
import { fixtureFiles } from "../helpers.js";
import { fixtureSpec, issueFor } from "../pki-helpers.js";

export interface RenderedVariant {
  readonly name: string;
  readonly spec: ClusterSpec;
  readonly plan: ClusterPlan;
  readonly nodes: ReadonlyMap<string, readonly Artifact[]>;
  readonly admin: readonly Artifact[];
}

type Input = Record<string, unknown>;

export function netnsRoutedInput(): Input {
  const file = fixtureFiles("specs").find((entry) => entry.name === "netns-routed.yaml");
  if (!file) throw new Error("no netns-routed.yaml");
  return load(file.text) as Input;
}

function variant(changes: (input: Input) => void): Input {
  const input = JSON.parse(JSON.stringify(netnsRoutedInput())) as Input;
  changes(input);
  return input;
}

function network(input: Input): Input {
  return input.network as Input;
}

/** Variants of netns-routed.yaml, by name. */
export const VARIANTS: Readonly<Record<string, () => Input>> = {
  "seed-docker-https": () =>
    variant((input) => {
      input.kubernetesVersion = "1.2";
      input.runtime = { type: "docker" };
      input.hygiene = { monit: true };
      network(input).mtu = 1460;
    }),
  "seed-docker-firewall-nomasq": () =>
    variant((input) => {
      input.kubernetesVersion = "1.2";
      input.security = { mode: "firewall-only" };
      input.runtime = { type: "docker" };
      input.hygiene = { monit: true, autoUpgrades: false };
      network(input).masquerade = false;
    }),
  "seed-rkt-kubelet-bridge": () =>
    variant((input) => {
      input.kubernetesVersion = "1.1";
      input.runtime = { type: "rkt" };
      input.hygiene = { monit: true, logrotate: false, storageClients: ["glusterfs-client"] };
      network(input).bridge = { management: "kubelet" };
    }),
  "seed-flannel": () =>
    variant((input) => {
      input.kubernetesVersion = "1.2";
      input.runtime = { type: "docker" };
      Object.assign(network(input), { mode: "overlay", overlay: "flannel" });
    }),
  "seed-openvswitch": () =>
    variant((input) => {
      input.kubernetesVersion = "1.2";
      input.runtime = { type: "docker" };
      Object.assign(network(input), { mode: "overlay", overlay: "openvswitch" });
    }),
  "seed-weave": () =>
    variant((input) => {
      input.kubernetesVersion = "1.2";
      input.runtime = { type: "docker" };
      Object.assign(network(input), { mode: "overlay", overlay: "weave" });
    }),
  "current-flannel": () =>
    variant((input) => Object.assign(network(input), { mode: "overlay", overlay: "flannel" })),
  "current-weave": () =>
    variant((input) => Object.assign(network(input), { mode: "overlay", overlay: "weave" })),
  "current-openvswitch": () =>
    variant((input) => Object.assign(network(input), { mode: "overlay", overlay: "openvswitch", mtu: 9000 })),
  "current-openvswitch-1500": () =>
    variant((input) => Object.assign(network(input), { mode: "overlay", overlay: "openvswitch" })),
  "current-flannel-ipv6": () =>
    variant((input) => {
      Object.assign(network(input), {
        mode: "overlay",
        overlay: "flannel",
        podCIDR: "2001:db8:19::/56",
        nodePodCIDRPrefix: 64,
        serviceCIDR: "2001:db8:96::/108",
      });
      (input.nodes as Input[]).forEach((node, index) => (node.ip = `2001:db8::${index + 1}`));
    }),
  "current-monit-storage": () =>
    variant((input) => {
      input.hygiene = { monit: true, storageClients: ["nfs-common", "glusterfs-client"] };
    }),
};

export async function renderSpec(
  name: string,
  spec: ClusterSpec,
  plan = planCluster(spec),
): Promise<RenderedVariant> {
  const rendered = renderCluster(spec, plan, await issueFor(spec, plan));
  return { name, spec, plan, nodes: rendered.nodes, admin: rendered.admin };
}

export async function renderVariant(name: string): Promise<RenderedVariant> {
  const make = VARIANTS[name];
  if (!make) throw new Error(`no variant ${name}`);
  return renderSpec(name, parseSpec(make()).spec);
}

export async function renderFixture(name: string): Promise<RenderedVariant> {
  const { spec, plan } = fixtureSpec(name);
  return renderSpec(name, spec, plan);
}

/** Every fixture and every variant, rendered. */
export async function renderAll(): Promise<RenderedVariant[]> {
  const all: RenderedVariant[] = [];
  for (const { name } of fixtureFiles("specs")) all.push(await renderFixture(name));
  for (const name of Object.keys(VARIANTS)) all.push(await renderVariant(name));
  return all;
}

export function fileOf(artifacts: readonly Artifact[] | undefined, path: string): Artifact | undefined {
  return artifacts?.find((entry) => entry.path === path);
}

export function mustFile(artifacts: readonly Artifact[] | undefined, path: string): Artifact {
  const found = fileOf(artifacts, path);
  if (!found) throw new Error(`no ${path} among ${(artifacts ?? []).map((entry) => entry.path).join(", ")}`);
  return found;
}

/**
 * Writes a node's network files (setup.sh and, for routed clusters, the pod-routes table it reads
 * from beside itself) into `directory`, as install.sh places them; returns setup.sh's path.
 */
export function writeNetworkFiles(directory: string, artifacts: readonly Artifact[]): string {
  mkdirSync(directory, { recursive: true });
  for (const file of artifacts.filter((each) => each.path.startsWith(NETWORK_DIRECTORY)))
    writeFileSync(join(directory, file.path.slice(NETWORK_DIRECTORY.length)), file.content, {
      mode: file.mode,
    });
  return join(directory, "setup.sh");
}

const NETWORK_DIRECTORY = "/etc/kubernetes/network/";
