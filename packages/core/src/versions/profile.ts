// The version profile: the facts about a Kubernetes release that the plan and the components need
// (ports, images, admission plugins, probes). Components ask it instead of comparing versions; flag
// windows live beside it in flags.ts. Sources: shared/reference/k8s-versions.md; the image tags of
// the current lines are kubeadm's own constants (cmd/kubeadm/app/constants of one patch release per
// minor, read by scripts/release-facts), those of the seed's lines the release's addon and salt
// manifests. kubeadm moves etcd within a minor's patches: every image can be overridden (images.*).
import { KUBEADM_IMAGE_PINS } from "./generated/release-facts.js";
import type { Era, KubernetesVersion } from "./kubernetes.js";

export interface ComponentImages {
  /** The seed's all-in-one image (`hyperkube apiserver|controller-manager|scheduler`); legacy only. */
  readonly hyperkube?: string;
  /** Image name (without registry) and tag per control-plane component; current only. */
  readonly apiserver?: string;
  readonly controllerManager?: string;
  readonly scheduler?: string;
  readonly proxy?: string;
  /** etcd image, relative to the registry like every image here (the registry comes from the spec). */
  readonly etcd: string;
  readonly pause: string;
  /** The DNS addon's images: kube2sky/skydns of the seed's era, CoreDNS today. */
  readonly dns: readonly string[];
  /** Where the tags come from. */
  readonly source: string;
}

export interface VersionProfile {
  readonly version: string;
  readonly minor: string;
  readonly minorNumber: number;
  readonly era: Era;
  readonly etcd: {
    /** etcd 2 on 4001/7001 over HTTP in the seed's era; etcd 3 on 2379/2380 with mutual TLS today. */
    readonly clientPort: number;
    readonly peerPort: number;
    readonly scheme: "http" | "https";
    /** etcd's own metrics/health listener (current only). */
    readonly metricsPort?: number;
  };
  /** The apiserver's local insecure port (seed era only; removed in 1.24, unserved since 1.20). */
  readonly apiserverInsecurePort?: number;
  /** Health ports: HTTP 10252/10251 in the seed's era, HTTPS 10257/10259 today. */
  readonly health: {
    readonly scheme: "HTTP" | "HTTPS";
    readonly controllerManagerPort: number;
    readonly schedulerPort: number;
    /** Path of the apiserver's liveness probe; readiness uses /readyz when there is one. */
    readonly apiserverLiveness: string;
    readonly apiserverReadiness?: string;
  };
  /** The admission plugins to name: the seed's recommended list, or the one kubeadm adds today. */
  readonly admissionPlugins: readonly string[];
  readonly images: ComponentImages;
  /** Static pod files: the seed wrote JSON pod templates; current tools write YAML. */
  readonly manifestFormat: "json" | "yaml";
  /**
   * Whether the apiserver's token file reader takes a fourth, groups column. 1.1's reader keeps Go's
   * csv default (every row as wide as the first) and reads three columns; 1.2's accepts any width
   * from three up and reads the groups. Current releases read groups too (the file is seed-era only).
   */
  readonly tokenFileGroups: boolean;
  /** The release's own kube-dns addon (legacy only; current releases get CoreDNS). */
  readonly legacyDns?: LegacyDnsAddon;
  /** What the kubelet asks of rkt (legacy only: rktnetes left in 1.11). */
  readonly rkt?: LegacyRkt;
}

const LEGACY_IMAGES: Readonly<Record<string, Omit<ComponentImages, "hyperkube">>> = {
  "1.1": {
    etcd: "etcd:2.0.12",
    pause: "pause:0.8.0",
    dns: ["etcd:2.0.9", "kube2sky:1.11", "skydns:2015-10-13-8c72f8c", "exechealthz:1.0"],
    source:
      "the from-scratch guide (etcd 2.0.12); the DNS images of cluster/addons/dns/skydns-rc.yaml.in in v1.1.8",
  },
  "1.2": {
    etcd: "etcd:2.2.1",
    pause: "pause:2.0",
    dns: ["etcd-amd64:2.2.1", "kube2sky:1.14", "skydns:2015-10-13-8c72f8c", "exechealthz:1.0"],
    source: "cluster/addons/dns/skydns-rc.yaml.in and cluster/images/etcd of v1.2.7",
  },
};

/** What a release's kubelet asks of rkt (pkg/kubelet/rkt/rkt.go of v1.1.8 and v1.2.7). */
export interface LegacyRkt {
  /** rktMinimumVersion (1.1) / minimumRktBinVersion (1.2): the kubelet refuses an older rkt. */
  readonly minimumVersion: string;
  /** systemdMinimumVersion / minimumSystemdVersion: the kubelet runs pods as systemd units. */
  readonly minimumSystemd: number;
  /** 1.2's kubelet talks gRPC to `rkt api-service` (defaultRktAPIServiceAddr); 1.1 runs only the binary. */
  readonly apiService?: string;
  /** 1.2 runs pods with --net=rkt.kubernetes.io (defaultNetworkName); 1.1 with --private-net. */
  readonly network?: string;
}

const LEGACY_RKT: Readonly<Record<string, LegacyRkt>> = {
  "1.1": { minimumVersion: "0.8.1", minimumSystemd: 219 },
  "1.2": {
    minimumVersion: "0.13.0",
    minimumSystemd: 219,
    apiService: "localhost:15441",
    network: "rkt.kubernetes.io",
  },
};

/** The era's kube-dns addon as each release shipped it (cluster/addons/dns/skydns-rc.yaml.in). */
export interface LegacyDnsAddon {
  /** The controller's version label and name suffix: kube-dns-v9 in 1.1, kube-dns-v11 in 1.2. */
  readonly version: string;
  /** kube2sky's flags for the DNS domain and the apiserver URL: Go's flag package in 1.1, pflag in 1.2. */
  readonly kube2skyDomainFlag: string;
  readonly kube2skyMasterFlag: string;
  /** Where exechealthz's nslookup asks. */
  readonly healthzResolver: string;
  /**
   * The addon's probes, by container. 1.2's kube2sky answers /readiness only once the kubernetes
   * service has its DNS record, so the DNS Service gets an endpoint only when names resolve.
   */
  readonly probes: Readonly<
    Record<string, { readonly liveness?: LegacyProbe; readonly readiness?: LegacyProbe }>
  >;
}

export interface LegacyProbe {
  readonly path: string;
  readonly port: number;
  readonly initialDelaySeconds: number;
  readonly timeoutSeconds: number;
  readonly successThreshold?: number;
  readonly failureThreshold?: number;
}

const LEGACY_DNS: Readonly<Record<string, LegacyDnsAddon>> = {
  "1.1": {
    version: "v9",
    kube2skyDomainFlag: "-domain",
    kube2skyMasterFlag: "-kube_master_url",
    healthzResolver: "localhost",
    probes: {
      skydns: {
        liveness: { path: "/healthz", port: 8080, initialDelaySeconds: 30, timeoutSeconds: 5 },
        readiness: { path: "/healthz", port: 8080, initialDelaySeconds: 1, timeoutSeconds: 5 },
      },
    },
  },
  "1.2": {
    version: "v11",
    kube2skyDomainFlag: "--domain",
    kube2skyMasterFlag: "--kube-master-url",
    healthzResolver: "127.0.0.1",
    probes: {
      kube2sky: {
        liveness: {
          path: "/healthz",
          port: 8080,
          initialDelaySeconds: 60,
          timeoutSeconds: 5,
          successThreshold: 1,
          failureThreshold: 5,
        },
        readiness: { path: "/readiness", port: 8081, initialDelaySeconds: 30, timeoutSeconds: 5 },
      },
    },
  },
};

/** The seed's RECOMMENDED_LIST per release (admission-controllers docs of 1.1 and 1.2). */
const LEGACY_ADMISSION: Readonly<Record<string, readonly string[]>> = {
  "1.1": ["NamespaceLifecycle", "LimitRanger", "SecurityContextDeny", "ServiceAccount", "ResourceQuota"],
  "1.2": ["NamespaceLifecycle", "LimitRanger", "ServiceAccount", "ResourceQuota"],
};

function images(version: KubernetesVersion): ComponentImages {
  if (version.era === "legacy") {
    const legacy = LEGACY_IMAGES[version.minor];
    if (!legacy) throw new Error(`unreachable: no image table for ${version.minor}`);
    return { hyperkube: `hyperkube:v${version.full}`, ...legacy };
  }
  const tags = KUBEADM_IMAGE_PINS[version.minor];
  if (!tags) throw new Error(`unreachable: no image table for ${version.minor}`);
  return {
    apiserver: `kube-apiserver:v${version.full}`,
    controllerManager: `kube-controller-manager:v${version.full}`,
    scheduler: `kube-scheduler:v${version.full}`,
    proxy: `kube-proxy:v${version.full}`,
    etcd: `etcd:${tags.etcd}`,
    pause: `pause:${tags.pause}`,
    dns: [`coredns/coredns:${tags.coredns}`],
    source: `kubeadm's constants in ${tags.source}`,
  };
}

export function versionProfile(version: KubernetesVersion): VersionProfile {
  const base = {
    version: version.full,
    minor: version.minor,
    minorNumber: version.minorNumber,
    era: version.era,
  };
  if (version.era === "legacy") {
    return {
      ...base,
      etcd: { clientPort: 4001, peerPort: 7001, scheme: "http" },
      apiserverInsecurePort: 8080,
      health: {
        scheme: "HTTP",
        controllerManagerPort: 10252,
        schedulerPort: 10251,
        apiserverLiveness: "/healthz",
      },
      admissionPlugins: LEGACY_ADMISSION[version.minor] ?? [],
      images: images(version),
      manifestFormat: "json",
      tokenFileGroups: version.minorNumber >= 2,
      ...(LEGACY_DNS[version.minor] ? { legacyDns: LEGACY_DNS[version.minor] } : {}),
      ...(LEGACY_RKT[version.minor] ? { rkt: LEGACY_RKT[version.minor] } : {}),
    };
  }
  return {
    ...base,
    etcd: { clientPort: 2379, peerPort: 2380, scheme: "https", metricsPort: 2381 },
    health: {
      scheme: "HTTPS",
      controllerManagerPort: 10257,
      schedulerPort: 10259,
      apiserverLiveness: "/livez",
      apiserverReadiness: "/readyz",
    },
    admissionPlugins: ["NodeRestriction"],
    images: images(version),
    manifestFormat: "yaml",
    tokenFileGroups: true,
  };
}
