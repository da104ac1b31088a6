// The container runtime on every node (S9, S16, S17): docker with the seed's options in
// /etc/default/docker, or rkt with its metadata service, for the seed's releases; containerd through
// CRI for current releases, where the seed's docker options become config.toml settings (sandbox
// image, systemd cgroups, CNI directories, registry hosts) and a LimitNOFILE in its unit.
// Facts: shared/reference/k8s-versions.md ("docker", "rkt", "Container runtime + CNI").
import { tomlString } from "../render/quote.js";
import type { Artifact } from "../artifact.js";
import { renderTemplate } from "../render/template.js";
import { FlagSet } from "../versions/flags.js";
import { artifact, image, type NodeContext } from "./context.js";
import { podMTU } from "./network-mtu.js";

/** containerd's CRI socket; the KubeletConfiguration's containerRuntimeEndpoint names the same one. */
export const CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
export const CONTAINERD_CONFIG_PATH = "/etc/containerd/config.toml";
export const CONTAINERD_CERTS_DIR = "/etc/containerd/certs.d";
export const DOCKER_DEFAULTS_PATH = "/etc/default/docker";
const UNIT_DIR = "/etc/systemd/system";
/** docker's own default data directory: --graph is only needed for another one. */
const DOCKER_DEFAULT_ROOT = "/var/lib/docker";
/** docker's default MTU for container interfaces. */
const DOCKER_DEFAULT_MTU = 1500;

/**
 * The unit the kubelet requires and starts after: the runtime itself; with rkt, the api-service the
 * 1.2 kubelet dials, or on 1.1 (which only runs the binary) the metadata service the seed asks for.
 */
export function runtimeUnit(context: Pick<NodeContext, "spec" | "profile">): string {
  switch (context.spec.runtime.type) {
    case "docker":
      return "docker.service";
    case "rkt":
      return context.profile.rkt?.apiService !== undefined ? "rkt-api.service" : "rkt-metadata.service";
    case "containerd":
      return "containerd.service";
  }
}

/** Where rkt reads its CNI networks; the file's "name" is the one the kubelet passes as --net. */
export const RKT_NETWORK_PATH = "/etc/rkt/net.d/k8s.conf";

// Version 2 schema: containerd 1.x reads it natively and 2.x migrates it on load.

/** An insecure registry containerd can be told about: host[:port], not the seed's CIDR form. */
function isRegistryHost(entry: string): boolean {
  return !entry.includes("/");
}

/** DOCKER_OPTS (S16), with the notes that explain the conditional options. */
export function dockerOptions(context: NodeContext): { options: string[]; notes: string[] } {
  const { spec, plan, profile } = context;
  const network = plan.network;
  const flags = new FlagSet("docker", profile);
  const notes: string[] = [];
  const overlay = network.mode === "overlay";
  // Docker cannot masquerade without writing iptables rules, so --ip-masq=false goes with
  // --iptables=false in every network mode; the S21 rule covers traffic leaving the cluster.
  flags.set("--bridge", network.bridge.name).set("--iptables", false).set("--ip-masq", false);
  // The pod bridge's MTU (network-mtu.ts): an overlay's is smaller by its encapsulation.
  const mtu = podMTU(network);
  if (overlay || mtu !== DOCKER_DEFAULT_MTU) {
    // Flannel's encapsulation needs it (S16); a routed network with a smaller MTU (the seed's 1460)
    // needs container interfaces that match the bridge.
    flags.set("--mtu", mtu);
    notes.push(
      overlay
        ? `--mtu: container interfaces get the ${network.overlay ?? "overlay"} network's MTU, leaving room for its encapsulation.`
        : "--mtu: container interfaces get the bridge's MTU.",
    );
  }
  for (const registry of spec.runtime.insecureRegistries) flags.set("--insecure-registry", registry);
  if (spec.runtime.insecureRegistries.length > 0)
    notes.push("--insecure-registry: registries reached without TLS (runtime.insecureRegistries).");
  if (spec.runtime.rootDir !== DOCKER_DEFAULT_ROOT) {
    flags.set("--graph", spec.runtime.rootDir);
    notes.push("--graph: docker's data directory, the same one the kubelet gets as --docker-root.");
  }
  return { options: flags.toArgs(), notes };
}

function dockerArtifacts(context: NodeContext): Artifact[] {
  const { spec, node } = context;
  const { options, notes } = dockerOptions(context);
  const unitPath = `${UNIT_DIR}/docker.service`;
  const why = `Runs docker on ${node.name} with the from-scratch guide's options from ${DOCKER_DEFAULTS_PATH} and its open-file limit.`;
  return [
    artifact(
      DOCKER_DEFAULTS_PATH,
      renderTemplate("docker.defaults.hbs", {
        path: DOCKER_DEFAULTS_PATH,
        node: node.name,
        notes,
        options: options.join(" "),
        nofile: spec.runtime.nofile,
      }),
      {
        kind: "config",
        why: "docker's options for Kubernetes: the node's bridge, no iptables or masquerading of its own, the MTU, insecure registries and DOCKER_NOFILE.",
        requirements: ["S16", "S20"],
      },
    ),
    artifact(
      unitPath,
      renderTemplate("docker.service.hbs", {
        path: unitPath,
        node: node.name,
        why,
        defaultsPath: DOCKER_DEFAULTS_PATH,
        nofile: spec.runtime.nofile,
      }),
      { kind: "systemd-unit", why, requirements: ["S9", "S16", "S24"] },
    ),
  ];
}

function rktArtifacts(context: NodeContext): Artifact[] {
  const { node, plan, profile } = context;
  const rkt = profile.rkt;
  if (rkt?.apiService === undefined) {
    const unitPath = `${UNIT_DIR}/rkt-metadata.service`;
    const why = `The rkt metadata service on ${node.name}, as the from-scratch guide's step 17 asks ("systemd-run rkt metadata-service"). The 1.1 kubelet registers no pod with it (run-prepared --mds-register=false); it serves apps that ask rkt's metadata themselves.`;
    return [
      artifact(
        unitPath,
        renderTemplate("rkt-metadata.service.hbs", { path: unitPath, node: node.name, why }),
        {
          kind: "systemd-unit",
          why,
          requirements: ["S17", "S24"],
        },
      ),
    ];
  }
  const unitPath = `${UNIT_DIR}/rkt-api.service`;
  const why = `rkt's api-service on ${node.name}: the 1.2 kubelet lists and inspects pods through it (gRPC on ${rkt.apiService}) and refuses to start without it.`;
  const artifacts = [
    artifact(
      unitPath,
      renderTemplate("rkt-api.service.hbs", { path: unitPath, node: node.name, why, listen: rkt.apiService }),
      { kind: "systemd-unit", why, requirements: ["S17", "S24"] },
    ),
  ];
  if (rkt.network !== undefined) {
    // Pods join the node's bridge with an address from the node's own range; the bridge holds the
    // range's first address (S20), which the bridge plugin finds already set as its gateway.
    const network = {
      name: rkt.network,
      type: "bridge",
      bridge: plan.network.bridge.name,
      mtu: podMTU(plan.network),
      isGateway: true,
      ipMasq: false,
      ipam: { type: "host-local", subnet: node.podCIDR, routes: [{ dst: "0.0.0.0/0" }] },
    };
    const networkWhy = `The rkt network "${rkt.network}" that the 1.2 kubelet runs every pod in (--net=${rkt.network}): ${node.name}'s bridge and pod range ${node.podCIDR}.`;
    artifacts.push(
      artifact(RKT_NETWORK_PATH, `${JSON.stringify(network, null, 2)}\n`, {
        kind: "config",
        why: networkWhy,
        requirements: ["S17", "S20"],
      }),
    );
  }
  return artifacts;
}

/** The pod sandbox image: the spec's override, or the profile's pause image from the spec's registry. */
export function sandboxImage(context: NodeContext): string {
  return context.spec.images.pause ?? image(context, context.profile.images.pause);
}

function containerdArtifacts(context: NodeContext): Artifact[] {
  const { spec, node } = context;
  const unitPath = `${UNIT_DIR}/containerd.service`;
  const configWhy = `containerd's settings on ${node.name}: the CRI plugin with the pause image, runc with systemd cgroups, the CNI directories and per-registry host files.`;
  const unitWhy = `Runs containerd on ${node.name}, the kubelet's CRI runtime, with the open-file limit the from-scratch guide gives docker (DOCKER_NOFILE).`;
  const artifacts = [
    artifact(
      CONTAINERD_CONFIG_PATH,
      renderTemplate("containerd-config.toml.hbs", {
        path: CONTAINERD_CONFIG_PATH,
        node: node.name,
        why: configWhy,
        root: tomlString(spec.runtime.rootDir),
        socket: tomlString(CONTAINERD_SOCKET),
        sandboxImage: tomlString(sandboxImage(context)),
        cniBinDir: tomlString(spec.runtime.cniBinDir),
        certsDir: tomlString(CONTAINERD_CERTS_DIR),
      }),
      { kind: "config", why: configWhy, requirements: ["S9", "S10", "S16"] },
    ),
    artifact(
      unitPath,
      renderTemplate("containerd.service.hbs", {
        path: unitPath,
        node: node.name,
        why: unitWhy,
        nofile: spec.runtime.nofile,
      }),
      { kind: "systemd-unit", why: unitWhy, requirements: ["S9", "S16", "S24"] },
    ),
  ];
  for (const host of spec.runtime.insecureRegistries.filter(isRegistryHost)) {
    const path = `${CONTAINERD_CERTS_DIR}/${host}/hosts.toml`;
    const why = `Lets containerd pull from ${host} over plain HTTP without certificate checks (docker's --insecure-registry in the from-scratch guide).`;
    artifacts.push(
      artifact(
        path,
        renderTemplate("containerd-hosts.toml.hbs", { path, why, server: tomlString(`http://${host}`) }),
        {
          kind: "config",
          why,
          requirements: ["S16"],
        },
      ),
    );
  }
  return artifacts;
}

export function runtimeArtifacts(context: NodeContext): Artifact[] {
  switch (context.spec.runtime.type) {
    case "docker":
      return dockerArtifacts(context);
    case "rkt":
      return rktArtifacts(context);
    case "containerd":
      return containerdArtifacts(context);
  }
}
