// The version profile: the facts about a Kubernetes release that the plan and the components need.
// Later components extend this table (flags, images, probes); they ask it instead of comparing versions.
import type { Era, KubernetesVersion } from "./kubernetes.js";

export interface VersionProfile {
  readonly version: string;
  readonly minor: string;
  readonly era: Era;
  readonly etcd: {
    /** etcd 2 on 4001/7001 over HTTP in the seed's era; etcd 3 on 2379/2380 with mutual TLS today. */
    readonly clientPort: number;
    readonly peerPort: number;
    readonly scheme: "http" | "https";
  };
  /** The apiserver's local insecure port (seed era only; removed in 1.24, unserved since 1.20). */
  readonly apiserverInsecurePort?: number;
}

const ERA_PROFILES: Readonly<Record<Era, Omit<VersionProfile, "version" | "minor" | "era">>> = {
  legacy: { etcd: { clientPort: 4001, peerPort: 7001, scheme: "http" }, apiserverInsecurePort: 8080 },
  current: { etcd: { clientPort: 2379, peerPort: 2380, scheme: "https" } },
};

export function versionProfile(version: KubernetesVersion): VersionProfile {
  return { version: version.full, minor: version.minor, era: version.era, ...ERA_PROFILES[version.era] };
}
