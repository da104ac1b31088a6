// Which spec options each Kubernetes version can honour (the "version windows" of the options).
// An option used outside its window is a validation error naming the change and the alternative.
// Sources: ../../../../shared/reference/k8s-versions.md and k8s-flags.json.
import type { OptionWindow } from "../versions/kubernetes.js";
import type { ClusterSpec } from "./generated/types.js";

/** haproxy's port when it shares each control-plane node with an apiserver (kubeadm's HA guide uses 8443 too). */
const HAPROXY_DEFAULT_PORT = 8443;

/** The endpoint's port when the spec leaves it out: haproxy's own beside the apiserver, else the apiserver's. */
export function defaultEndpointPort(
  loadBalancer: ControlPlaneEndpoint["loadBalancer"],
  apiserverPort: number,
): number {
  return loadBalancer === "keepalived-haproxy" ? HAPROXY_DEFAULT_PORT : apiserverPort;
}

type ControlPlaneEndpoint = NonNullable<ClusterSpec["controlPlane"]["endpoint"]>;

/** The spec after schema defaults, before version-dependent defaults: those fields may still be absent. */
export type SpecWithStaticDefaults = Omit<
  ClusterSpec,
  "security" | "controlPlane" | "runtime" | "images" | "network"
> & {
  security: Omit<ClusterSpec["security"], "credentialLayout" | "allowPrivileged"> &
    Partial<Pick<ClusterSpec["security"], "credentialLayout" | "allowPrivileged">>;
  controlPlane: Partial<Omit<ClusterSpec["controlPlane"], "endpoint">> & {
    endpoint?: Omit<ControlPlaneEndpoint, "port"> & Partial<Pick<ControlPlaneEndpoint, "port">>;
  };
  runtime: Omit<ClusterSpec["runtime"], "type" | "rootDir"> &
    Partial<Pick<ClusterSpec["runtime"], "type" | "rootDir">>;
  images: Partial<ClusterSpec["images"]>;
  network: Omit<ClusterSpec["network"], "dnsServiceIP"> &
    Partial<Pick<ClusterSpec["network"], "dnsServiceIP">>;
};

// The guide lists "openshift"; the seed releases register openstack (pkg/cloudprovider/providers).
const IN_TREE_PROVIDERS = ["aws", "gce", "mesos", "openstack", "ovirt", "rackspace", "vagrant"] as const;

export const OPTION_WINDOWS: readonly OptionWindow<SpecWithStaticDefaults>[] = [
  {
    pointer: "/runtime/type",
    option: 'runtime.type "rkt"',
    selected: (spec) => spec.runtime.type === "rkt",
    until: 11,
    reason: "rktnetes was removed in Kubernetes 1.11 (kubernetes/kubernetes#61432)",
    alternative: 'Use runtime.type "containerd" (or "docker" for Kubernetes 1.1 and 1.2).',
  },
  {
    pointer: "/runtime/type",
    option: 'runtime.type "docker"',
    selected: (spec) => spec.runtime.type === "docker",
    until: 24,
    reason: "dockershim was removed in Kubernetes 1.24 (kubernetes/kubernetes#97252)",
    alternative: 'Use runtime.type "containerd".',
  },
  {
    pointer: "/runtime/type",
    option: 'runtime.type "containerd"',
    selected: (spec) => spec.runtime.type === "containerd",
    since: 11,
    reason:
      "kubelet talks to containerd through CRI, which arrived with Kubernetes 1.11 (containerd's CRI plugin), after 1.1 and 1.2",
    alternative: 'Use runtime.type "docker" or "rkt" with Kubernetes 1.1 and 1.2.',
  },
  {
    pointer: "/security/mode",
    option: 'security.mode "firewall-only"',
    selected: (spec) => spec.security.mode === "firewall-only",
    until: 20,
    reason:
      "the apiserver's insecure HTTP port stopped serving in Kubernetes 1.20 (kubernetes/kubernetes#95856)",
    alternative: 'Use security.mode "https".',
  },
  {
    pointer: "/security/basicAuth/enabled",
    option: "security.basicAuth.enabled",
    selected: (spec) => spec.security.basicAuth.enabled,
    until: 19,
    reason: "--basic-auth-file was removed in Kubernetes 1.19 (kubernetes/kubernetes#89069)",
    alternative: "Set security.basicAuth.enabled to false; admins get tokens or client certificates instead.",
  },
  {
    pointer: "/security/credentialLayout",
    option: 'security.credentialLayout "per-entity"',
    selected: (spec) => spec.security.credentialLayout === "per-entity",
    since: 7,
    reason:
      "per-node credentials need the Node authorizer, which arrived in Kubernetes 1.7; Kubernetes 1.1 and 1.2 cannot use them",
    alternative: 'Use security.credentialLayout "per-role" or "admin-shared".',
  },
  {
    pointer: "/security/credentialLayout",
    option: 'security.credentialLayout "per-role"',
    selected: (spec) => spec.security.credentialLayout === "per-role",
    until: 7,
    reason:
      "current releases authorize kubelets by node identity (Node authorizer and NodeRestriction), so every kubelet needs its own credential",
    alternative: 'Use security.credentialLayout "per-entity".',
  },
  {
    pointer: "/security/credentialLayout",
    option: 'security.credentialLayout "admin-shared"',
    selected: (spec) => spec.security.credentialLayout === "admin-shared",
    until: 7,
    reason:
      "current releases authorize kubelets by node identity (Node authorizer and NodeRestriction); sharing the admin's credential would give every node cluster-admin",
    alternative: 'Use security.credentialLayout "per-entity".',
  },
  {
    pointer: "/network/bridge/management",
    option: 'network.bridge.management "kubelet"',
    selected: (spec) => spec.network.bridge.management === "kubelet",
    until: 5,
    reason: "kubelet --configure-cbr0 was removed in Kubernetes 1.5 (kubernetes/kubernetes#34906)",
    alternative:
      'Use network.bridge.management "manual": kubescratch writes the bridge script (and a CNI bridge config for current releases).',
  },
  {
    pointer: "/controlPlane/endpoint",
    option: "controlPlane.endpoint",
    selected: (spec) => spec.controlPlane.endpoint !== undefined,
    since: 16,
    reason:
      "Kubernetes 1.1 and 1.2 clusters name one master (MASTER_IP) in every client, and the endpoint's load balancer checks each apiserver's /readyz, which apiservers serve since Kubernetes 1.16",
    alternative: "Leave controlPlane.endpoint out with Kubernetes 1.1 and 1.2, or use a current release.",
  },
  ...IN_TREE_PROVIDERS.map((provider): OptionWindow<SpecWithStaticDefaults> => ({
    pointer: "/cloudProvider/name",
    option: `cloudProvider.name "${provider}"`,
    selected: (spec) => spec.cloudProvider.name === provider,
    until: 31,
    reason: "in-tree cloud providers were removed in Kubernetes 1.31 (KEP-2395)",
    alternative:
      'Use cloudProvider.name "external" and run the provider\'s cloud-controller-manager, or "none".',
  })),
  {
    pointer: "/cloudProvider/name",
    option: 'cloudProvider.name "external"',
    selected: (spec) => spec.cloudProvider.name === "external",
    since: 6,
    reason: "external cloud providers (cloud-controller-manager) arrived in Kubernetes 1.6",
    alternative:
      'Use one of the in-tree providers of Kubernetes 1.1 and 1.2 (aws, gce, mesos, openstack, ovirt, rackspace, vagrant) or "none".',
  },
  {
    pointer: "/kubelet/resolvConf",
    option: "kubelet.resolvConf",
    selected: (spec) => spec.kubelet.resolvConf !== undefined,
    since: 10,
    reason: "it is written to the KubeletConfiguration file, which Kubernetes reads only from 1.10",
    alternative: "Remove kubelet.resolvConf: the 1.1 and 1.2 kubelets read /etc/resolv.conf.",
  },
  {
    pointer: "/images/hyperkube",
    option: "images.hyperkube",
    selected: (spec) => spec.images.hyperkube !== undefined,
    until: 19,
    reason: "the hyperkube image is no longer built since Kubernetes 1.19 (kubernetes/kubernetes#88676)",
    alternative: "Remove images.hyperkube; current releases use per-component images from images.registry.",
  },
];
