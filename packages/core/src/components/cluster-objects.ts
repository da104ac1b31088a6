// Files that are not a node's own daemons: the cloud-config (S1), the DNS addon (S30), Node objects
// when nodes do not register themselves (S29), the RBAC binding the PKI's identities rely on, and
// the list of images and binaries to mirror for an air-gapped install (S9, S10).
import { gcfgValue } from "../render/quote.js";
import { toYaml } from "../render/yaml.js";
import type { Artifact } from "../artifact.js";
import { networkFamilies, nodeFamilies, type NodePlan } from "../plan/plan.js";
import { hostPort } from "../net/ip.js";
import type { LegacyProbe } from "../versions/profile.js";
import { flannelNodeAnnotations, flannelTakesNodeAddresses, overlayObjects } from "./network-overlays.js";
import { CONTROL_PLANE_ROLE_LABEL, CONTROL_PLANE_TAINT, controlPlaneTaint } from "./kubelet.js";
import { CHECK_IMAGES } from "../install-paths.js";
import {
  artifact,
  CLOUD_CONFIG_PATH,
  cloudProvider,
  hasCloudConfig,
  image,
  type ClusterContext,
  type NodeContext,
} from "./context.js";

type KubernetesObject = Record<string, unknown>;

/** Every container image a set of objects names (containers and init containers, at any depth). */
function containerImages(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) for (const item of value) containerImages(item, into);
  else if (value !== null && typeof value === "object")
    for (const [key, item] of Object.entries(value))
      if (key === "image" && typeof item === "string") into.add(item);
      else containerImages(item, into);
}

function yamlDocuments(objects: readonly KubernetesObject[]): string {
  return objects.map((object) => toYaml(object)).join("---\n");
}

/** The cloud-config in gcfg (INI) syntax, sections and keys in the spec's order (S1). */
export function renderCloudConfig(
  config: Readonly<Record<string, Readonly<Record<string, string | number | boolean>>>>,
): string {
  return Object.entries(config)
    .map(([section, settings]) =>
      [
        `[${section}]`,
        ...Object.entries(settings).map(([key, value]) => `${key} = ${gcfgValue(value)}`),
      ].join("\n"),
    )
    .join("\n\n")
    .concat("\n");
}

/** The cloud-config on every node whose daemons pass --cloud-config (seed era: all of them). */
export function cloudConfigArtifacts(context: NodeContext): Artifact[] {
  if (!hasCloudConfig(context) || context.profile.era !== "legacy" || !context.spec.cloudProvider.config)
    return [];
  return [
    artifact(CLOUD_CONFIG_PATH, renderCloudConfig(context.spec.cloudProvider.config), {
      kind: "config",
      why: `Settings of the ${cloudProvider(context) ?? ""} cloud provider, read through --cloud-config by the apiserver, controller-manager and kubelet.`,
      requirements: ["S1"],
    }),
  ];
}

function dnsDomain(context: ClusterContext): string {
  return context.plan.network.clusterDomain.replace(/\.$/, "");
}

function kubeDnsService(
  context: ClusterContext,
  selector: Record<string, string>,
  ports: KubernetesObject[],
): KubernetesObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kube-dns",
      namespace: "kube-system",
      labels: {
        "k8s-app": "kube-dns",
        "kubernetes.io/cluster-service": "true",
        "kubernetes.io/name": "KubeDNS",
      },
    },
    // The address every kubelet hands to pods as their resolver (--cluster-dns / clusterDNS, S30); a
    // dual-stack cluster's DNS answers on an address of each family, both pinned like the first.
    spec: {
      selector,
      clusterIP: context.plan.network.dnsServiceIP,
      ...(context.plan.network.secondary === undefined
        ? {}
        : {
            ipFamilyPolicy: "PreferDualStack",
            clusterIPs: networkFamilies(context.plan).map((part) => part.dnsServiceIP),
          }),
      ports,
    },
  };
}

const DNS_PORTS = [
  { name: "dns", port: 53, protocol: "UDP" },
  { name: "dns-tcp", port: 53, protocol: "TCP" },
];

/**
 * kube-dns as each seed release shipped it (cluster/addons/dns): etcd, kube2sky, skydns and a health
 * check, preceded by the kube-system namespace, which the apiserver creates itself only from 1.3.
 */
function legacyDns(context: ClusterContext): KubernetesObject[] {
  const { plan, profile, spec } = context;
  const addon = profile.legacyDns;
  if (!addon) throw new Error(`unreachable: no kube-dns addon for ${profile.version}`);
  const [etcdImage, kube2sky, skydns, healthz] = profile.images.dns;
  const domain = dnsDomain(context);
  const labels = { "k8s-app": "kube-dns", version: addon.version, "kubernetes.io/cluster-service": "true" };
  // Without --kube-master-url kube2sky uses its service account token against https://10.0.0.1:443;
  // in firewall-only mode that port carries the apiserver's self-signed certificate, which no
  // service account trusts, while the insecure port is open to pods (S11).
  const kube2skyArgs = [
    `${addon.kube2skyDomainFlag}=${domain}`,
    ...(spec.security.mode === "firewall-only"
      ? [
          `${addon.kube2skyMasterFlag}=http://${hostPort(plan.controlPlane.masterIP, profile.apiserverInsecurePort ?? 8080)}`,
        ]
      : []),
  ];
  const namespace: KubernetesObject = {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "kube-system" },
  };
  const probe = ({ path, port, ...timing }: LegacyProbe) => ({
    httpGet: { path, port, scheme: "HTTP" },
    ...timing,
  });
  const probesOf = (container: string): KubernetesObject => {
    const probes = addon.probes[container];
    return {
      ...(probes?.liveness ? { livenessProbe: probe(probes.liveness) } : {}),
      ...(probes?.readiness ? { readinessProbe: probe(probes.readiness) } : {}),
    };
  };
  const controller: KubernetesObject = {
    apiVersion: "v1",
    kind: "ReplicationController",
    metadata: { name: `kube-dns-${addon.version}`, namespace: "kube-system", labels },
    spec: {
      replicas: 1,
      selector: { "k8s-app": "kube-dns", version: addon.version },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "etcd",
              image: image(context, etcdImage ?? ""),
              command: [
                "/usr/local/bin/etcd",
                "-data-dir",
                "/var/etcd/data",
                "-listen-client-urls",
                "http://127.0.0.1:2379,http://127.0.0.1:4001",
                "-advertise-client-urls",
                "http://127.0.0.1:2379,http://127.0.0.1:4001",
                "-initial-cluster-token",
                "skydns-etcd",
              ],
              volumeMounts: [{ name: "etcd-storage", mountPath: "/var/etcd/data" }],
            },
            {
              name: "kube2sky",
              image: image(context, kube2sky ?? ""),
              ...probesOf("kube2sky"),
              args: kube2skyArgs,
            },
            {
              name: "skydns",
              image: image(context, skydns ?? ""),
              ...probesOf("skydns"),
              args: [
                "-machines=http://127.0.0.1:4001",
                "-addr=0.0.0.0:53",
                "-ns-rotate=false",
                `-domain=${domain}.`,
              ],
              ports: [
                { containerPort: 53, name: "dns", protocol: "UDP" },
                { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
              ],
            },
            {
              name: "healthz",
              image: image(context, healthz ?? ""),
              args: [
                `-cmd=nslookup kubernetes.default.svc.${domain} ${addon.healthzResolver} >/dev/null`,
                "-port=8080",
              ],
              ports: [{ containerPort: 8080, protocol: "TCP" }],
            },
          ],
          volumes: [{ name: "etcd-storage", emptyDir: {} }],
          dnsPolicy: "Default",
        },
      },
    },
  };
  return [namespace, controller, kubeDnsService(context, { "k8s-app": "kube-dns" }, DNS_PORTS)];
}

/** CoreDNS as kubeadm deploys it, answering at the plan's DNS service IP. */
function coreDns(context: ClusterContext): KubernetesObject[] {
  const domain = dnsDomain(context);
  const corefile = [
    ".:53 {",
    "    errors",
    "    health {",
    "       lameduck 5s",
    "    }",
    "    ready",
    `    kubernetes ${domain} in-addr.arpa ip6.arpa {`,
    "       pods insecure",
    "       fallthrough in-addr.arpa ip6.arpa",
    "       ttl 30",
    "    }",
    "    prometheus :9153",
    "    forward . /etc/resolv.conf {",
    "       max_concurrent 1000",
    "    }",
    "    cache 30",
    "    loop",
    "    reload",
    "    loadbalance",
    "}",
    "",
  ].join("\n");
  const selector = { "k8s-app": "kube-dns" };
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "coredns", namespace: "kube-system" } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "system:coredns" },
      rules: [
        {
          apiGroups: [""],
          resources: ["endpoints", "services", "pods", "namespaces"],
          verbs: ["list", "watch"],
        },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "system:coredns" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:coredns" },
      subjects: [{ kind: "ServiceAccount", name: "coredns", namespace: "kube-system" }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "coredns", namespace: "kube-system" },
      data: { Corefile: corefile },
    },
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "coredns", namespace: "kube-system", labels: selector },
      spec: {
        replicas: 2,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
        template: {
          metadata: { labels: selector },
          spec: {
            priorityClassName: "system-cluster-critical",
            serviceAccountName: "coredns",
            tolerations: [
              { key: "CriticalAddonsOnly", operator: "Exists" },
              { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
            ],
            nodeSelector: { "kubernetes.io/os": "linux" },
            containers: [
              {
                name: "coredns",
                image: image(context, context.profile.images.dns[0] ?? ""),
                imagePullPolicy: "IfNotPresent",
                resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
                args: ["-conf", "/etc/coredns/Corefile"],
                volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
                ports: [
                  { containerPort: 53, name: "dns", protocol: "UDP" },
                  { containerPort: 53, name: "dns-tcp", protocol: "TCP" },
                  { containerPort: 9153, name: "metrics", protocol: "TCP" },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] },
                  readOnlyRootFilesystem: true,
                },
                livenessProbe: {
                  httpGet: { path: "/health", port: 8080, scheme: "HTTP" },
                  initialDelaySeconds: 60,
                  timeoutSeconds: 5,
                  successThreshold: 1,
                  failureThreshold: 5,
                },
                readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" } },
              },
            ],
            dnsPolicy: "Default",
            volumes: [
              {
                name: "config-volume",
                configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }] },
              },
            ],
          },
        },
      },
    },
    kubeDnsService(context, selector, [...DNS_PORTS, { name: "metrics", port: 9153, protocol: "TCP" }]),
  ];
}

/** The DNS addon's objects (empty when addons.dns.enabled is false). */
export function dnsAddonObjects(context: ClusterContext): KubernetesObject[] {
  if (!context.spec.addons.dns.enabled) return [];
  return context.profile.era === "legacy" ? legacyDns(context) : coreDns(context);
}

/**
 * Node objects with what the kubelets cannot give themselves. The seed's kubelets that do not
 * register (S29) need the whole object with its pod range. Today's kubelets register, but
 * NodeRestriction keeps them from setting node-role labels (and most others) on themselves, and flannel
 * takes each node's range (and a dual-stack node's tunnel addresses) from its Node: the admin applies
 * the labels, the control-plane taint, the planned range (a range can be set once, so applying before
 * or after registration gives the same) and flannel's annotations.
 */
export function nodeObjects(context: ClusterContext): KubernetesObject[] {
  const current = context.profile.era === "current";
  if (context.spec.kubelet.registerNode && !current) return [];
  return context.plan.nodes.map((node: NodePlan) => {
    const annotations = flannelNodeAnnotations(context, node);
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: node.name,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        labels: {
          "kubernetes.io/hostname": node.name,
          ...(current && node.roles.includes("control-plane") ? { [CONTROL_PLANE_ROLE_LABEL]: "" } : {}),
          ...node.labels,
        },
      },
      spec: {
        podCIDR: node.podCIDR,
        ...(current ? { podCIDRs: nodeFamilies(node).map((part) => part.podCIDR) } : {}),
        ...(current && controlPlaneTaint(node) ? { taints: [{ ...CONTROL_PLANE_TAINT }] } : {}),
      },
    };
  });
}

/** RBAC the PKI's identities rely on instead of privileged groups (e.g. apiserver → kubelet). */
export function rbacObjects(context: ClusterContext): KubernetesObject[] {
  if (context.profile.era !== "current") return [];
  const bindings: KubernetesObject[] = context.pki.certificates
    .filter((certificate) => certificate.clusterRole !== undefined && certificate.node === undefined)
    .map((certificate) => ({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: `kubescratch:${certificate.profile}` },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: certificate.clusterRole },
      subjects: [
        { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: certificate.subject.commonName },
      ],
    }));
  // Kubelets renew their client certificates themselves (rotateCertificates): the csrapproving
  // controller approves a node's request for its own name when the node may create
  // certificatesigningrequests/selfnodeclient (kubeadm's node-autoapprove-certificate-rotation).
  if (context.pki.certificates.some((certificate) => certificate.profile === "kubelet-client"))
    bindings.push({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "kubescratch:node-autoapprove-certificate-rotation" },
      roleRef: {
        apiGroup: "rbac.authorization.k8s.io",
        kind: "ClusterRole",
        name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
      },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: "system:nodes" }],
    });
  return bindings;
}

/** Every image and binary the cluster runs, for mirroring into an air-gapped registry (S9, S10). */
export function imageList(context: ClusterContext): { images: string[]; binaries: string[] } {
  const { profile, spec } = context;
  const images = new Set<string>();
  if (profile.era === "legacy")
    images.add(spec.images.hyperkube ?? image(context, profile.images.hyperkube ?? ""));
  else {
    for (const name of [
      profile.images.apiserver,
      profile.images.controllerManager,
      profile.images.scheduler,
    ]) {
      if (name) images.add(image(context, name));
    }
  }
  images.add(spec.images.etcd ?? image(context, profile.images.etcd));
  images.add(spec.images.pause ?? image(context, profile.images.pause));
  if (spec.addons.dns.enabled) for (const name of profile.images.dns) images.add(image(context, name));
  // The overlay's DaemonSets run images too: an air-gapped node cannot pull them either (found by
  // booting the bundles without a registry).
  containerImages(overlayObjects(context), images);
  const binaries = [
    `kubernetes-server-linux-amd64.tar.gz v${profile.version}: server/bin/kubelet, server/bin/kube-proxy, server/bin/kubectl`,
  ];
  const runtime = spec.runtime.type;
  binaries.push(
    runtime === "docker"
      ? "docker (the OS package of the era; /usr/bin/docker)"
      : runtime === "rkt"
        ? `rkt >= v${profile.rkt?.minimumVersion ?? ""} (/usr/bin/rkt) and systemd >= ${profile.rkt?.minimumSystemd ?? ""}`
        : `containerd and runc (/usr/bin/containerd), CNI plugins (${spec.runtime.cniBinDir}), crictl of cri-tools (validate.sh asks the runtime with it)`,
  );
  return { images: [...images], binaries };
}

/** The admin bundle's cluster-wide files. */
export function clusterObjectArtifacts(context: ClusterContext): Artifact[] {
  const artifacts: Artifact[] = [];
  const dns = dnsAddonObjects(context);
  if (dns.length > 0) {
    artifacts.push(
      artifact("addons/dns.yaml", yamlDocuments(dns), {
        kind: "kubernetes-manifest",
        why: `The cluster DNS addon (${context.profile.era === "legacy" ? "kube-dns" : "CoreDNS"}), answering at ${context.plan.network.dnsServiceIP}, the address every kubelet gives pods.`,
        requirements: ["S30"],
      }),
    );
  }
  const rbac = rbacObjects(context);
  if (rbac.length > 0) {
    artifacts.push(
      artifact("addons/rbac.yaml", yamlDocuments(rbac), {
        kind: "kubernetes-manifest",
        why: "Bindings for identities that hold no privileged group, e.g. the apiserver's kubelet client.",
        requirements: ["S15"],
      }),
    );
  }
  const nodes = nodeObjects(context);
  if (nodes.length > 0) {
    artifacts.push(
      artifact("nodes.yaml", yamlDocuments(nodes), {
        kind: "kubernetes-manifest",
        why: context.spec.kubelet.registerNode
          ? `What the kubelets cannot set on their own Nodes (NodeRestriction): the spec's labels, the control-plane role label and taint, and each node's planned pod range (flannel reads it there)${flannelTakesNodeAddresses(context) ? "; flannel's tunnel address of each family" : ""}.`
          : "Node objects with their pod ranges: the kubelets do not register themselves (register-node is off).",
        requirements: ["S29"],
      }),
    );
  }
  const { images, binaries } = imageList(context);
  artifacts.push(
    artifact(
      "images.txt",
      [
        "# Images (mirror them into your registry; images.registry points the cluster at it)",
        ...images,
        "",
        "# Images validate-cluster.sh runs for its checks (its probe pod and nginx example; mirror them too)",
        CHECK_IMAGES.probe,
        CHECK_IMAGES.web,
        "",
        "# Binaries (from the release tarball)",
        ...binaries,
        "",
      ].join("\n"),
      {
        kind: "text",
        why: "Everything to mirror for an air-gapped install: images and binaries, with versions.",
        requirements: ["S9", "S10"],
      },
    ),
  );
  if (cloudProvider(context) === "external") {
    artifacts.push(
      artifact(
        "cloud-provider.txt",
        [
          "cloudProvider.name is external: every kubelet runs with --cloud-provider=external and waits for a",
          "cloud-controller-manager to initialise its Node (the node.cloudprovider.kubernetes.io/uninitialized taint).",
          "Deploy your provider's cloud-controller-manager into kube-system before workloads; in-tree providers were",
          "removed in Kubernetes 1.31 (KEP-2395).",
          "",
        ].join("\n"),
        {
          kind: "text",
          why: "How to finish an external cloud provider: run its cloud-controller-manager.",
          requirements: ["S1"],
        },
      ),
    );
  }
  return artifacts;
}
