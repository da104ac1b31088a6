// Every command-line flag kubescratch can emit, with the Kubernetes versions that accept it. A
// component sets flags only through a FlagSet, which refuses a flag outside its window, so no
// generated manifest or unit can carry a flag its version does not know. Facts and sources:
// shared/reference/k8s-flags.json and k8s-versions.md ("—" rows there are open-ended windows).
import { ETCD_RELEASE_FACTS, LEGACY_RELEASE_FACTS, type LegacyBinary } from "./generated/release-facts.js";
import type { VersionProfile } from "./profile.js";

export type FlagComponent =
  | "kube-apiserver"
  | "kube-controller-manager"
  | "kube-scheduler"
  | "kubelet"
  | "kube-proxy"
  | "etcd"
  | "docker";

export interface FlagWindow {
  readonly component: FlagComponent;
  readonly flag: string;
  /** First minor release (1.x) that accepts the flag. */
  readonly since?: number;
  /** First minor release that no longer accepts it. */
  readonly until?: number;
}

const w = (
  component: FlagComponent,
  flags: readonly string[],
  since?: number,
  until?: number,
): FlagWindow[] =>
  flags.map((flag) => ({
    component,
    flag,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  }));

export const FLAG_WINDOWS: readonly FlagWindow[] = [
  // kube-apiserver
  ...w("kube-apiserver", [
    "--advertise-address",
    "--allow-privileged",
    "--service-cluster-ip-range",
    "--etcd-servers",
    "--tls-cert-file",
    "--tls-private-key-file",
    "--client-ca-file",
    "--token-auth-file",
    "--service-account-key-file",
    "--bind-address",
    "--secure-port",
  ]),
  // 1.1's apiserver registers --cluster-name (cmd/kube-apiserver/app/server.go); 1.2's does not, and
  // exits on it: the flag lives on only in the controller-manager.
  ...w("kube-apiserver", ["--cluster-name"], undefined, 2),
  ...w("kube-apiserver", ["--admission-control"], undefined, 10),
  ...w("kube-apiserver", ["--insecure-bind-address", "--insecure-port"], undefined, 24),
  ...w("kube-apiserver", ["--basic-auth-file"], undefined, 19),
  ...w("kube-apiserver", ["--cloud-provider", "--cloud-config"], undefined, 33),
  ...w("kube-apiserver", ["--enable-admission-plugins"], 10),
  // Windows of the seed's minors follow release-facts.json (the flags 1.1.8 and 1.2.7 register);
  // legacy-source.test.ts holds them to it.
  ...w("kube-apiserver", ["--authorization-mode", "--kubelet-client-certificate", "--kubelet-client-key"]),
  ...w("kube-apiserver", ["--etcd-cafile", "--etcd-certfile", "--etcd-keyfile"], 2),
  ...w(
    "kube-apiserver",
    [
      "--kubelet-preferred-address-types",
      "--enable-bootstrap-token-auth",
      "--requestheader-client-ca-file",
      "--requestheader-allowed-names",
      "--requestheader-username-headers",
      "--requestheader-group-headers",
      "--requestheader-extra-headers-prefix",
      "--proxy-client-cert-file",
      "--proxy-client-key-file",
    ],
    10,
  ),
  ...w("kube-apiserver", ["--service-account-issuer", "--service-account-signing-key-file"], 12),
  // kube-controller-manager
  ...w("kube-controller-manager", [
    "--cluster-name",
    "--cluster-cidr",
    "--allocate-node-cidrs",
    "--service-account-private-key-file",
    "--root-ca-file",
    "--kubeconfig",
  ]),
  // Registered by neither 1.1.8 nor 1.2.7; current releases have it.
  ...w("kube-controller-manager", ["--service-cluster-ip-range"], 3),
  ...w("kube-controller-manager", ["--leader-elect"], 2),
  ...w("kube-controller-manager", ["--master"], undefined, 24),
  ...w("kube-controller-manager", ["--cloud-provider", "--cloud-config"], undefined, 31),
  ...w(
    "kube-controller-manager",
    [
      "--bind-address",
      "--authentication-kubeconfig",
      "--authorization-kubeconfig",
      "--client-ca-file",
      "--requestheader-client-ca-file",
      "--cluster-signing-cert-file",
      "--cluster-signing-key-file",
      "--use-service-account-credentials",
      "--controllers",
      "--node-cidr-mask-size",
    ],
    12,
  ),
  // Dual-stack mask sizes (cmd/kube-controller-manager/app/options/nodeipamcontroller.go); present in
  // every current release this table covers (checked in 1.30.14 and 1.34.8).
  ...w("kube-controller-manager", ["--node-cidr-mask-size-ipv4", "--node-cidr-mask-size-ipv6"], 17),
  // kube-scheduler
  ...w("kube-scheduler", ["--master"], undefined, 24),
  ...w("kube-scheduler", ["--kubeconfig"]),
  ...w("kube-scheduler", ["--leader-elect"], 2),
  ...w("kube-scheduler", ["--bind-address", "--authentication-kubeconfig", "--authorization-kubeconfig"], 12),
  // kubelet
  ...w("kubelet", ["--kubeconfig", "--root-dir", "--register-node", "--hostname-override"]),
  ...w("kubelet", ["--node-ip"], 2),
  ...w("kubelet", ["--api-servers"], undefined, 8),
  ...w("kubelet", ["--config"], undefined, 6),
  ...w("kubelet", ["--configure-cbr0"], undefined, 5),
  ...w(
    "kubelet",
    ["--cluster-dns", "--cluster-domain", "--tls-cert-file", "--tls-private-key-file"],
    undefined,
    10,
  ),
  ...w("kubelet", ["--docker-root"], undefined, 24),
  ...w("kubelet", ["--container-runtime"], undefined, 27),
  ...w("kubelet", ["--allow-privileged"], undefined, 15),
  // Deprecated since 1.19 but still accepted: "external" is how a kubelet defers to a cloud-controller-manager.
  ...w("kubelet", ["--cloud-provider", "--cloud-config"]),
  ...w("kubelet", ["--rkt-path", "--rkt-stage1-image"], undefined, 11),
  // --config named the static-pod directory until 1.6, and names the KubeletConfiguration file from 1.10.
  ...w("kubelet", ["--config"], 10),
  // kube-proxy
  ...w("kube-proxy", ["--master", "--kubeconfig", "--hostname-override"], undefined, 10),
  // --cluster-cidr came with kubernetes/kubernetes#24429 (merged 2016-04-18, the 1.3 line) and was
  // cherry-picked into a 1.2 patch: 1.2.7 registers it (release-facts.json), 1.2.0 does not, and a
  // spec may pin any 1.2.x, so the whole 1.2 line goes without it.
  ...w("kube-proxy", ["--cluster-cidr"], 3, 10),
  ...w("kube-proxy", ["--config"], 10),
  // etcd (versions of Kubernetes that run it the way the profile describes)
  ...w("etcd", [
    "--name",
    "--data-dir",
    "--listen-client-urls",
    "--advertise-client-urls",
    "--listen-peer-urls",
    "--initial-advertise-peer-urls",
    "--initial-cluster",
    "--initial-cluster-state",
    "--initial-cluster-token",
  ]),
  ...w(
    "etcd",
    [
      "--cert-file",
      "--key-file",
      "--trusted-ca-file",
      "--client-cert-auth",
      "--peer-cert-file",
      "--peer-key-file",
      "--peer-trusted-ca-file",
      "--peer-client-cert-auth",
      "--snapshot-count",
      "--listen-metrics-urls",
    ],
    13,
  ),
  // docker daemon options (DOCKER_OPTS), meaningful while kubelet drives docker
  ...w(
    "docker",
    ["--bridge", "--iptables", "--ip-masq", "--mtu", "--insecure-registry", "--graph"],
    undefined,
    24,
  ),
];

/**
 * For the seed's releases, the flags the binary registers in that release's own source
 * (release-facts.json): undefined where no such table exists (docker, current releases).
 */
export function releaseFlags(
  component: FlagComponent,
  profile: VersionProfile,
): readonly string[] | undefined {
  if (profile.era !== "legacy") return undefined;
  if (component === "etcd") return ETCD_RELEASE_FACTS[profile.images.etcd.replace(/^.*:/, "")]?.flags;
  if (component === "docker") return undefined;
  return LEGACY_RELEASE_FACTS[profile.minor]?.flags[component satisfies LegacyBinary];
}

/**
 * Flags in order of setting, refusing any flag its version does not accept: outside its window in
 * FLAG_WINDOWS, or, for the seed's releases, not registered by the binary in that release's source.
 */
export class FlagSet {
  private readonly entries: [string, string | undefined][] = [];

  constructor(
    readonly component: FlagComponent,
    private readonly profile: VersionProfile,
  ) {}

  /** Whether this version of the component accepts the flag. */
  accepts(flag: string): boolean {
    return this.refusal(flag) === undefined;
  }

  /** `--flag=value`, or a bare `--flag` when value is undefined. */
  set(flag: string, value?: string | number | boolean): this {
    const refusal = this.refusal(flag);
    if (refusal !== undefined) throw new Error(`bug: ${this.component} ${flag} ${refusal}`);
    this.entries.push([flag, value === undefined ? undefined : String(value)]);
    return this;
  }

  /** Why this version refuses the flag: outside every window, or not registered by the release. */
  private refusal(flag: string): string | undefined {
    const windows = FLAG_WINDOWS.filter((entry) => entry.component === this.component && entry.flag === flag);
    if (windows.length === 0) return "is not in FLAG_WINDOWS";
    if (!windows.some((window) => flagInWindow(window, this.profile.minorNumber)))
      return `is not accepted by Kubernetes ${this.profile.version}`;
    const registered = releaseFlags(this.component, this.profile);
    if (registered !== undefined && !registered.includes(flag))
      return `is not registered by ${this.component} in the source of Kubernetes ${this.profile.version} (release-facts.json)`;
    return undefined;
  }

  /** Sets the flag when `condition` holds. */
  when(condition: boolean, flag: string, value?: string | number | boolean): this {
    return condition ? this.set(flag, value) : this;
  }

  toArgs(): string[] {
    return this.entries.map(([flag, value]) => (value === undefined ? flag : `${flag}=${value}`));
  }

  names(): string[] {
    return this.entries.map(([flag]) => flag);
  }
}

export function flagInWindow(window: Pick<FlagWindow, "since" | "until">, minorNumber: number): boolean {
  return (
    (window.since === undefined || minorNumber >= window.since) &&
    (window.until === undefined || minorNumber < window.until)
  );
}
