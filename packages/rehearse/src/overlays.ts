// Where the sandbox cannot be a real machine, the rehearsal changes an installed file on the node,
// says exactly what and why, and restarts what reads it. The generator never changes for the sandbox:
// each overlay here is printed in the report and listed in the README.
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FLANNEL_CNI_PLUGIN_IMAGE, type ClusterPlan } from "@kubescratch/core";
import { CNI_UP_TO_0_4 } from "./assets.js";
import type { SandboxNode } from "./sandbox.js";

export interface Overlay {
  readonly id: string;
  readonly file: string;
  readonly change: string;
  readonly why: string;
}

interface OverlayRule extends Overlay {
  readonly applies: (plan: ClusterPlan, text: string) => boolean;
  readonly apply: (text: string) => string;
  readonly restart: readonly string[];
}

/** The kubelet's memory and inode thresholds as its defaults; disk space in absolute amounts. */
const SANDBOX_EVICTION_HARD: Readonly<Record<string, string>> = {
  "memory.available": "100Mi",
  "nodefs.available": "1Gi",
  "nodefs.inodesFree": "5%",
  "imagefs.available": "1Gi",
  "imagefs.inodesFree": "5%",
};

const RULES: readonly OverlayRule[] = [
  {
    id: "kubelet-fail-cgroup-v1",
    file: "/var/lib/kubelet/config.yaml",
    change: "failCgroupV1: false",
    why: "this host has cgroup v1 controllers (hybrid layout); Kubernetes 1.35+ kubelets refuse v1 unless told, real nodes today run cgroup v2",
    applies: (plan, text) => plan.profile.minorNumber >= 35 && !/^failCgroupV1:/m.test(text),
    apply: (text) => `${text.trimEnd()}\nfailCgroupV1: false\n`,
    restart: ["kubelet"],
  },
  {
    id: "kubelet-disk-thresholds",
    file: "/var/lib/kubelet/config.yaml",
    change: `evictionHard: {${Object.entries(SANDBOX_EVICTION_HARD)
      .map(([signal, value]) => `${signal}: ${value}`)
      .join(", ")}}; imageGCHighThresholdPercent: 100, imageGCLowThresholdPercent: 99`,
    why: "a node's root and image store are folders on this host's one disk, shared by every node and everything else the host keeps, so its fill level is not the node's: the kubelet's default thresholds (DiskPressure taint and eviction below 15 % free for images and 10 % for the node, unused images deleted above 85 % use) fire on a host that is merely well used, and no registry can give a deleted image back",
    applies: (_plan, text) => /^kind: KubeletConfiguration$/m.test(text) && !/^evictionHard:/m.test(text),
    apply: (text) =>
      `${text.trimEnd()}\nevictionHard:\n${Object.entries(SANDBOX_EVICTION_HARD)
        .map(([signal, value]) => `  ${signal}: "${value}"`)
        .join("\n")}\nimageGCHighThresholdPercent: 100\nimageGCLowThresholdPercent: 99\n`,
    restart: ["kubelet"],
  },
];

/** The overlays `file` (its installed text) needs on this sandbox, and the text with them applied. */
export function overlaysFor(
  plan: ClusterPlan,
  file: string,
  text: string,
): { text: string; applied: Overlay[]; restart: string[] } {
  let result = text;
  const applied: Overlay[] = [];
  const restart: string[] = [];
  for (const rule of RULES) {
    if (rule.file !== file || !rule.applies(plan, result)) continue;
    result = rule.apply(result);
    applied.push({ id: rule.id, file: rule.file, change: rule.change, why: rule.why });
    restart.push(...rule.restart);
  }
  return { text: result, applied, restart };
}

/** Applies the overlays this node needs after its install.sh ran; returns those applied. */
export async function sandboxOverlays(node: SandboxNode, plan: ClusterPlan): Promise<Overlay[]> {
  const applied: Overlay[] = [];
  const restart = new Set<string>();
  for (const file of new Set(RULES.map((rule) => rule.file))) {
    const path = join(node.root, file);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue;
    }
    const result = overlaysFor(plan, file, text);
    if (result.applied.length === 0) continue;
    await writeFile(path, result.text);
    for (const unit of result.restart) restart.add(unit);
    applied.push(...result.applied);
  }
  if (restart.size > 0) await node.exec(["systemctl", "restart", ...restart]);
  return applied;
}

/**
 * The admin's addons as the rehearsal applies them. flannel's CNI configuration asks for CNI 1.0.0,
 * which the flannel-io/cni-plugin release speaks; where the image brought for it holds an older
 * plugin (the rehearsal's own stand-in says so in its description), the configuration asks for
 * 0.4.0, the newest that plugin knows (Debian's bridge, host-local and portmap speak both).
 */
export async function adminOverlays(
  addonsFolder: string,
  imageDescriptions: ReadonlyMap<string, string>,
): Promise<Overlay[]> {
  const file = join(addonsFolder, "flannel.yaml");
  if (!imageDescriptions.get(FLANNEL_CNI_PLUGIN_IMAGE)?.includes(CNI_UP_TO_0_4)) return [];
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return [];
  }
  const changed = text.replace(/("cniVersion":\s*)"1\.0\.0"/, '$1"0.4.0"');
  if (changed === text) return [];
  await writeFile(file, changed);
  return [
    {
      id: "flannel-cni-version",
      file: "admin/addons/flannel.yaml (ConfigMap kube-flannel-cfg, cni-conf.json)",
      change: 'cniVersion "1.0.0" becomes "0.4.0"',
      why: `the image ${FLANNEL_CNI_PLUGIN_IMAGE} brought is a stand-in (${CNI_UP_TO_0_4}): the module proxy here does not serve flannel-io/cni-plugin`,
    },
  ];
}

/** CAP_SYS_RESOURCE is capability 24: without it no process may lower its oom_score_adj below 0. */
async function hostLacksSysResource(): Promise<boolean> {
  const status = await readFile("/proc/self/status", "utf8");
  const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return bounding !== undefined && (BigInt(`0x${bounding}`) & (1n << 24n)) === 0n;
}

const RUNC_WRAPPER = `#!/bin/sh
# kubescratch rehearse: this host denies CAP_SYS_RESOURCE to everything it runs, so no process may
# lower its oom_score_adj below 0; a container spec asking for less gets 0 (the report lists this).
previous=""
for argument in "$@"; do
  if [ "$previous" = "--bundle" ] && [ -f "$argument/config.json" ]; then
    sed -i -E 's/"oomScoreAdj":-[0-9]+/"oomScoreAdj":0/' "$argument/config.json"
  fi
  previous=$argument
done
exec /usr/sbin/runc "$@"
`;

/** Put in place by SandboxNode.boot on every node. */
export const CONNTRACK_MAX_OVERLAY: Overlay = {
  id: "nf-conntrack-max",
  file: "/proc/sys/net/netfilter/nf_conntrack_max (inside the node: a writable file of the host's value in its place)",
  change: "kube-proxy's write of nf_conntrack_max lands in that file",
  why: "nf_conntrack_max belongs to the host's first network namespace and is read-only in a node's own; kube-proxy sets it whenever it differs from its conntrack setting and exits when it cannot (a real node owns it)",
};

/** Put in place by SandboxNode.boot on seed-era nodes (NodeOptions.conntrackHashsize). */
export const CONNTRACK_HASHSIZE_OVERLAY: Overlay = {
  id: "nf-conntrack-hashsize",
  file: "/sys/module/nf_conntrack/parameters/hashsize (inside the node: a writable file of the host's value in its place)",
  change: "kube-proxy 1.2's write of the conntrack hash size lands in that file",
  why: 'the module parameter belongs to the host ("operation not supported" from a node\'s own network namespace); kube-proxy 1.2 sets it to a quarter of its conntrack maximum at every start and exits when it cannot (later releases skip it when the value is already large enough)',
};

/**
 * What the node needs from its environment that this host withholds, put in place before the
 * bundle is installed (never in a file the bundle brings).
 */
export async function prepareNodeEnvironment(root: string): Promise<Overlay[]> {
  const overlays: Overlay[] = [CONNTRACK_MAX_OVERLAY];
  if (await hostLacksSysResource()) {
    // containerd's shim finds runc on PATH, where /usr/local/sbin comes first.
    await writeFile(join(root, "usr/local/sbin/runc"), RUNC_WRAPPER);
    await chmod(join(root, "usr/local/sbin/runc"), 0o755);
    overlays.push({
      id: "runc-oom-score-adj",
      file: "/usr/local/sbin/runc (a wrapper in front of Debian's runc)",
      change: "a container's oomScoreAdj below 0 (pod sandboxes ask for -998) becomes 0",
      why: "this host denies CAP_SYS_RESOURCE to every process it runs (CapBnd), so runc cannot lower oom_score_adj and every pod sandbox fails with \"can't get final child's PID from pipe\"",
    });
  }
  return overlays;
}

/** The drop-in the rehearsal puts beside a seed-era node's docker.service (the bundle's unit). */
export const DOCKER_DROP_IN = "/etc/systemd/system/docker.service.d/kubescratch-rehearse.conf";

const DOCKER_DROP_IN_TEXT = `# kubescratch rehearse (sandbox overlay, listed in the report): the bundle's docker.service runs
# "docker daemon", which docker 1.8-1.11 had; this node has Debian 12's docker 20.10, whose daemon is
# dockerd. --default-ipc-mode=shareable: kubelet 1.2 joins every container to the pause
# container's IPC namespace, which docker 1.11 allowed by default and docker 17.06+ refuses
# ("non-shareable IPC") unless the donor is shareable.
[Service]
ExecStart=
ExecStart=/usr/sbin/dockerd $DOCKER_OPTS --default-ipc-mode=shareable
`;

/**
 * What a seed-era node needs on this host that its bundle cannot know: the era's docker is gone from
 * every current distribution, so the node runs Debian's docker.io under the bundle's unit with a
 * drop-in (the bundle's own files stay as generated). Put in place before install.sh runs.
 */
export async function legacyNodeOverlays(root: string): Promise<Overlay[]> {
  await mkdir(join(root, DOCKER_DROP_IN, ".."), { recursive: true });
  await writeFile(join(root, DOCKER_DROP_IN), DOCKER_DROP_IN_TEXT);
  return [
    CONNTRACK_HASHSIZE_OVERLAY,
    {
      id: "node-names-in-hosts",
      file: "/etc/hosts (written by the rehearsal when the node boots)",
      change: "every node's address and name",
      why: "the 1.2 apiserver reaches a kubelet by its node name (kubectl logs and exec; --kubelet-preferred-address-types came later), and the sandbox LAN has no DNS server that knows the nodes",
    },
    {
      id: "docker-daemon-command",
      file: `${DOCKER_DROP_IN} (a drop-in for the bundle's docker.service)`,
      change: "ExecStart=/usr/bin/docker daemon $DOCKER_OPTS becomes /usr/sbin/dockerd $DOCKER_OPTS",
      why: 'the bundle\'s unit is written for docker 1.8-1.11 ("docker daemon"); this node has Debian 12\'s docker.io 20.10, where the daemon is dockerd and "docker daemon" is no command',
    },
    {
      id: "docker-default-ipc-mode",
      file: `${DOCKER_DROP_IN} (a drop-in for the bundle's docker.service)`,
      change: "dockerd also gets --default-ipc-mode=shareable",
      why: "kubelet 1.2 joins each container to its pod's pause container's IPC namespace; docker 17.06+ refuses that (\"non-shareable IPC\") unless the pause container is shareable, docker 1.11 did not ask",
    },
  ];
}
