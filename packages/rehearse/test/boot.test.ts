// The generated bundles boot a real cluster: real kube-apiserver, controller-manager, scheduler,
// kubelet, kube-proxy, etcd and CoreDNS built from their Go modules, on systemd-nspawn nodes of this
// host, through `kubescratch rehearse` exactly as a user runs it. Needs root (CI runs as root).
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_KUBERNETES_VERSION } from "@kubescratch/core";
import { buildAssets, formatReport, type AssetFolders, type RehearsalReport } from "@kubescratch/rehearse";

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, "..", "..", "..");
const CLI = join(ROOT, "packages", "cli", "dist", "main.js");
const MINUTE = 60_000;

interface Rehearsal {
  readonly code: number;
  readonly report: RehearsalReport;
  readonly log: string;
}

async function rehearseSpec(
  spec: string,
  assets: AssetFolders,
  extra: readonly string[] = [],
): Promise<Rehearsal> {
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [
        CLI,
        "rehearse",
        join(ROOT, spec),
        "--binaries",
        assets.binaries,
        "--images",
        assets.images,
        "--json",
        ...extra,
      ],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: 0, report: JSON.parse(stdout) as RehearsalReport, log: stderr };
  } catch (caught) {
    const failure = caught as { code?: number; stdout?: string; stderr?: string };
    if (failure.code === 4 && failure.stdout)
      return { code: 4, report: JSON.parse(failure.stdout) as RehearsalReport, log: failure.stderr ?? "" };
    throw new Error(`kubescratch rehearse ${spec} exited ${failure.code}: ${failure.stderr ?? ""}`);
  }
}

function failures(report: RehearsalReport): string {
  return report.passed ? "" : formatReport(report);
}

function names(report: RehearsalReport): string[] {
  return [...report.nodes.flatMap((node) => node.checks), ...report.cluster_checks].map(
    (check) => check.name,
  );
}

describe(`booting the generated bundles (Kubernetes ${DEFAULT_KUBERNETES_VERSION})`, () => {
  let assets: AssetFolders;
  beforeAll(async () => {
    assets = await buildAssets(DEFAULT_KUBERNETES_VERSION);
  }, 90 * MINUTE);

  it(
    "one node with every role comes up: apiserver ready, leases held, node Ready, pods, DNS and Services answer",
    async () => {
      const { code, report } = await rehearseSpec("fixtures/specs/single-node.yaml", assets);
      expect(failures(report)).toBe("");
      expect(code).toBe(0);
      expect(report.kubernetesVersion).toBe(assets.version);
      expect(names(report)).toEqual(
        expect.arrayContaining([
          "install.sh exits 0",
          "validate.sh exits 0",
          "validate-cluster.sh exits 0",
          "apiserver /readyz through the admin kubeconfig",
          "kube-controller-manager holds its leader lease",
          "kube-scheduler holds its leader lease",
          "node solo is registered by its kubelet and Ready",
          "every pod's IP is inside its node's planned pod range",
          "solo resolves kubernetes.default.svc.cluster.local at the DNS Service 198.18.128.10",
        ]),
      );
      expect(names(report).some((name) => /reaches the web Service's ClusterIP/.test(name))).toBe(true);
    },
    30 * MINUTE,
  );
});
