// Where the sandbox cannot be a real machine, the rehearsal changes an installed file on the node,
// says exactly what and why, and restarts what reads it. The generator never changes for the sandbox:
// each overlay here is printed in the report and listed in the README.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ClusterPlan } from "@kubescratch/core";
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
];

/** Applies the overlays this node needs after its install.sh ran; returns those applied. */
export async function sandboxOverlays(node: SandboxNode, plan: ClusterPlan): Promise<Overlay[]> {
  const applied: Overlay[] = [];
  const restart = new Set<string>();
  for (const rule of RULES) {
    const path = join(node.root, rule.file);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch {
      continue;
    }
    if (!rule.applies(plan, text)) continue;
    await writeFile(path, rule.apply(text));
    for (const unit of rule.restart) restart.add(unit);
    applied.push({ id: rule.id, file: rule.file, change: rule.change, why: rule.why });
  }
  if (restart.size > 0) await node.exec(["systemctl", "restart", ...restart]);
  return applied;
}
