// The control plane as static pods in the kubelet's manifest folder (S24-S28): etcd on etcd nodes,
// kube-apiserver, kube-controller-manager and kube-scheduler on control-plane nodes. The seed's era
// gets the seed's JSON pod templates (hyperkube, ports 443/8080, /srv/kubernetes and /etc/ssl
// mounts, HTTP probes); current releases get kubeadm's shape (per-component images, secure ports
// only, HTTPS probes, TLS to etcd). Flags go through FlagSet, which refuses any outside its window.
import { toYaml } from "../render/yaml.js";
import type { Artifact } from "../artifact.js";
import { separateServiceAccountKey } from "../pki/profiles.js";
import { podRanges, serviceRanges } from "../plan/plan.js";
import { FlagSet } from "../versions/flags.js";
import {
  artifact,
  CLOUD_CONFIG_PATH,
  cloudProvider,
  hasCloudConfig,
  hostPort,
  image,
  isControlPlane,
  isEtcdMember,
  type NodeContext,
} from "./context.js";
import { MANIFEST_DIR } from "../install-paths.js";

const LEGACY_PKI = "/srv/kubernetes";
const PKI = "/etc/kubernetes/pki";

interface Volume {
  readonly name: string;
  readonly hostPath: string;
  readonly mountPath: string;
  readonly type?: "Directory" | "DirectoryOrCreate" | "File" | "FileOrCreate";
  readonly readOnly: boolean;
}

interface Probe {
  readonly path: string;
  readonly port: number;
  readonly host?: string;
  readonly scheme?: "HTTP" | "HTTPS";
}

interface PodShape {
  readonly name: string;
  readonly image: string;
  readonly command: readonly string[];
  readonly volumes: readonly Volume[];
  readonly liveness: Probe;
  readonly readiness?: Probe;
  readonly ports?: readonly { name: string; port: number }[];
}

/** Volumes every control-plane pod of its era mounts: certificates, and the host's CA bundle. */
function legacyVolumes(context: NodeContext): Volume[] {
  return [
    { name: "srvkube", hostPath: LEGACY_PKI, mountPath: LEGACY_PKI, readOnly: true },
    { name: "etcssl", hostPath: "/etc/ssl", mountPath: "/etc/ssl", readOnly: true },
    ...cloudConfigVolume(context),
  ];
}

function currentVolumes(...extra: Volume[]): Volume[] {
  return [
    { name: "k8s-certs", hostPath: PKI, mountPath: PKI, type: "DirectoryOrCreate", readOnly: true },
    {
      name: "ca-certs",
      hostPath: "/etc/ssl/certs",
      mountPath: "/etc/ssl/certs",
      type: "DirectoryOrCreate",
      readOnly: true,
    },
    ...extra,
  ];
}

function cloudConfigVolume(context: NodeContext): Volume[] {
  return hasCloudConfig(context) && context.profile.era === "legacy"
    ? [{ name: "cloudconfig", hostPath: CLOUD_CONFIG_PATH, mountPath: CLOUD_CONFIG_PATH, readOnly: true }]
    : [];
}

function httpGet(probe: Probe): Record<string, unknown> {
  return {
    httpGet: {
      ...(probe.host !== undefined ? { host: probe.host } : {}),
      path: probe.path,
      port: probe.port,
      ...(probe.scheme !== undefined ? { scheme: probe.scheme } : {}),
    },
  };
}

/** The seed's pod template: kind, apiVersion, hostNetwork, one container, HTTP liveness probe. */
function legacyPod(shape: PodShape): Record<string, unknown> {
  return {
    kind: "Pod",
    apiVersion: "v1",
    metadata: { name: shape.name, namespace: "kube-system" },
    spec: {
      hostNetwork: true,
      containers: [
        {
          name: shape.name,
          image: shape.image,
          command: shape.command,
          ...(shape.ports
            ? {
                ports: shape.ports.map((port) => ({
                  name: port.name,
                  hostPort: port.port,
                  containerPort: port.port,
                })),
              }
            : {}),
          ...(shape.volumes.length > 0
            ? {
                volumeMounts: shape.volumes.map((volume) => ({
                  name: volume.name,
                  mountPath: volume.mountPath,
                  readOnly: volume.readOnly,
                })),
              }
            : {}),
          livenessProbe: { ...httpGet(shape.liveness), initialDelaySeconds: 15, timeoutSeconds: 15 },
        },
      ],
      ...(shape.volumes.length > 0
        ? {
            volumes: shape.volumes.map((volume) => ({
              name: volume.name,
              hostPath: { path: volume.hostPath },
            })),
          }
        : {}),
    },
  };
}

/** kubeadm's static pod shape (implementation-details.md): labels, priority, probes, seccomp. */
function currentPod(shape: PodShape): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: shape.name,
      namespace: "kube-system",
      labels: { component: shape.name, tier: "control-plane" },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: "system-node-critical",
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: shape.name,
          image: shape.image,
          imagePullPolicy: "IfNotPresent",
          command: shape.command,
          resources: { requests: { cpu: shape.name === "kube-apiserver" ? "250m" : "100m" } },
          volumeMounts: shape.volumes.map((volume) => ({
            name: volume.name,
            mountPath: volume.mountPath,
            readOnly: volume.readOnly,
          })),
          livenessProbe: {
            ...httpGet(shape.liveness),
            initialDelaySeconds: 10,
            timeoutSeconds: 15,
            failureThreshold: 8,
          },
          ...(shape.readiness
            ? {
                readinessProbe: {
                  ...httpGet(shape.readiness),
                  timeoutSeconds: 15,
                  periodSeconds: 1,
                  failureThreshold: 3,
                },
              }
            : {}),
          startupProbe: {
            ...httpGet(shape.liveness),
            initialDelaySeconds: 10,
            timeoutSeconds: 15,
            failureThreshold: 24,
          },
        },
      ],
      volumes: shape.volumes.map((volume) => ({
        name: volume.name,
        hostPath: { path: volume.hostPath, ...(volume.type ? { type: volume.type } : {}) },
      })),
    },
  };
}

function manifest(
  context: NodeContext,
  shape: PodShape,
  why: string,
  requirements: readonly string[],
): Artifact {
  const legacy = context.profile.manifestFormat === "json";
  const pod = legacy ? legacyPod(shape) : currentPod(shape);
  const content = legacy ? `${JSON.stringify(pod, null, 2)}\n` : toYaml(pod);
  return artifact(`${MANIFEST_DIR}/${shape.name}.${legacy ? "json" : "yaml"}`, content, {
    kind: "static-pod",
    why,
    requirements,
  });
}

function etcdClientURLs(context: NodeContext): string {
  const { plan, profile } = context;
  const local = `${profile.etcd.scheme}://${hostPort(context.node.ip.includes(":") ? "::1" : "127.0.0.1", profile.etcd.clientPort)}`;
  // An apiserver beside an etcd member talks to it over loopback (S25); otherwise to every member.
  return isEtcdMember(context) ? local : plan.etcd.members.map((member) => member.clientURL).join(",");
}

function etcdPod(context: NodeContext): Artifact {
  const { plan, profile, spec, node } = context;
  const member = plan.etcd.members.find((entry) => entry.name === node.name);
  if (!member) throw new Error(`unreachable: ${node.name} is not an etcd member`);
  const loopback = node.ip.includes(":") ? "::1" : "127.0.0.1";
  const scheme = profile.etcd.scheme;
  const flags = new FlagSet("etcd", profile)
    .set("--name", node.name)
    .set("--data-dir", plan.etcd.dataDir)
    .set(
      "--listen-client-urls",
      `${scheme}://${hostPort(loopback, profile.etcd.clientPort)},${member.clientURL}`,
    )
    .set("--advertise-client-urls", member.clientURL)
    .set("--listen-peer-urls", member.peerURL)
    .set("--initial-advertise-peer-urls", member.peerURL)
    .set("--initial-cluster", plan.etcd.members.map((entry) => `${entry.name}=${entry.peerURL}`).join(","))
    .set("--initial-cluster-state", "new")
    .set("--initial-cluster-token", `${plan.clusterName}-etcd`);
  if (profile.era === "current") {
    flags
      .set("--cert-file", `${PKI}/etcd/server.crt`)
      .set("--key-file", `${PKI}/etcd/server.key`)
      .set("--trusted-ca-file", `${PKI}/etcd/ca.crt`)
      .set("--client-cert-auth", true)
      .set("--peer-cert-file", `${PKI}/etcd/peer.crt`)
      .set("--peer-key-file", `${PKI}/etcd/peer.key`)
      .set("--peer-trusted-ca-file", `${PKI}/etcd/ca.crt`)
      .set("--peer-client-cert-auth", true)
      .set("--snapshot-count", 10000)
      .set("--listen-metrics-urls", `http://${hostPort(loopback, profile.etcd.metricsPort ?? 2381)}`);
  }
  const data: Volume = {
    name: "etcd-data",
    hostPath: plan.etcd.dataDir,
    mountPath: plan.etcd.dataDir,
    type: "DirectoryOrCreate",
    readOnly: false,
  };
  const etcdImage = spec.images.etcd ?? image(context, profile.images.etcd);
  const shape: PodShape =
    profile.era === "legacy"
      ? {
          name: "etcd",
          image: etcdImage,
          command: ["/usr/local/bin/etcd", ...flags.toArgs()],
          volumes: [data],
          liveness: { host: "127.0.0.1", path: "/health", port: profile.etcd.clientPort },
        }
      : {
          name: "etcd",
          image: etcdImage,
          command: ["etcd", ...flags.toArgs()],
          volumes: [
            data,
            {
              name: "etcd-certs",
              hostPath: `${PKI}/etcd`,
              mountPath: `${PKI}/etcd`,
              type: "DirectoryOrCreate",
              readOnly: true,
            },
          ],
          // The metrics listener answers health without client certificates (kubeadm's probe).
          liveness: {
            host: loopback,
            path: "/health?exclude=NOSPACE&serializable=true",
            port: profile.etcd.metricsPort ?? 2381,
            scheme: "HTTP",
          },
        };
  return manifest(
    context,
    shape,
    `etcd member ${node.name} of ${plan.etcd.members.length}: the cluster's store${scheme === "https" ? ", mutual TLS for clients and peers" : ""}.`,
    ["S9", "S25"],
  );
}

function apiserverPod(context: NodeContext): Artifact {
  const { plan, profile, spec, node } = context;
  const https = spec.security.mode === "https";
  const flags = new FlagSet("kube-apiserver", profile);
  const provider = cloudProvider(context);
  if (profile.era === "legacy") {
    // The seed's list (S26), in its order; the ones it leaves implicit are noted where they are set.
    flags.when(provider !== undefined, "--cloud-provider", provider);
    flags.when(hasCloudConfig(context), "--cloud-config", CLOUD_CONFIG_PATH);
    // The seed lists --cluster-name for the apiserver too; only 1.1's accepts it.
    flags
      .when(flags.accepts("--cluster-name"), "--cluster-name", plan.clusterName)
      .set("--service-cluster-ip-range", plan.network.serviceCIDR)
      .set("--etcd-servers", etcdClientURLs(context));
    if (https) {
      flags
        .set("--tls-cert-file", `${LEGACY_PKI}/server.crt`)
        .set("--tls-private-key-file", `${LEGACY_PKI}/server.key`);
    }
    flags.set("--admission-control", profile.admissionPlugins.join(","));
    flags.when(spec.security.allowPrivileged, "--allow-privileged", true);
    if (https) {
      flags
        .set("--client-ca-file", `${LEGACY_PKI}/ca.crt`)
        .set("--token-auth-file", `${LEGACY_PKI}/known_tokens.csv`)
        .when(spec.security.basicAuth.enabled, "--basic-auth-file", `${LEGACY_PKI}/basic_auth.csv`);
      // The pod template publishes the secure port (443 in the seed); 1.1/1.2 listen on 6443 unless told.
      flags.set("--secure-port", plan.controlPlane.apiserverPort);
    } else {
      flags
        .set("--token-auth-file", "/dev/null")
        .set("--insecure-bind-address", node.ip)
        .set("--advertise-address", node.ip);
    }
    if (separateServiceAccountKey(plan)) flags.set("--service-account-key-file", `${LEGACY_PKI}/sa.key`);
  } else {
    const domain = plan.network.clusterDomain.replace(/\.$/, "");
    flags
      .set("--advertise-address", node.ip)
      .set("--secure-port", plan.controlPlane.apiserverPort)
      .set("--allow-privileged", spec.security.allowPrivileged)
      .set("--authorization-mode", "Node,RBAC")
      .set("--enable-admission-plugins", profile.admissionPlugins.join(","))
      .set("--client-ca-file", `${PKI}/ca.crt`)
      .set("--tls-cert-file", `${PKI}/apiserver.crt`)
      .set("--tls-private-key-file", `${PKI}/apiserver.key`)
      .set("--kubelet-client-certificate", `${PKI}/apiserver-kubelet-client.crt`)
      .set("--kubelet-client-key", `${PKI}/apiserver-kubelet-client.key`)
      .set("--kubelet-preferred-address-types", "InternalIP,ExternalIP,Hostname")
      .set("--etcd-servers", etcdClientURLs(context))
      .set("--etcd-cafile", `${PKI}/etcd/ca.crt`)
      .set("--etcd-certfile", `${PKI}/apiserver-etcd-client.crt`)
      .set("--etcd-keyfile", `${PKI}/apiserver-etcd-client.key`)
      .set("--service-cluster-ip-range", serviceRanges(plan).join(","))
      .set("--service-account-issuer", `https://kubernetes.default.svc.${domain}`)
      .set("--service-account-key-file", `${PKI}/sa.pub`)
      .set("--service-account-signing-key-file", `${PKI}/sa.key`)
      .set("--enable-bootstrap-token-auth", true)
      .set("--requestheader-client-ca-file", `${PKI}/front-proxy-ca.crt`)
      .set("--requestheader-allowed-names", "front-proxy-client")
      .set("--requestheader-username-headers", "X-Remote-User")
      .set("--requestheader-group-headers", "X-Remote-Group")
      .set("--requestheader-extra-headers-prefix", "X-Remote-Extra-")
      .set("--proxy-client-cert-file", `${PKI}/front-proxy-client.crt`)
      .set("--proxy-client-key-file", `${PKI}/front-proxy-client.key`);
  }
  const legacy = profile.era === "legacy";
  const shape: PodShape = legacy
    ? {
        name: "kube-apiserver",
        image: spec.images.hyperkube ?? image(context, profile.images.hyperkube ?? ""),
        command: ["/hyperkube", "apiserver", ...flags.toArgs()],
        ports: [
          { name: "https", port: plan.controlPlane.apiserverPort },
          { name: "local", port: profile.apiserverInsecurePort ?? 8080 },
        ],
        volumes: legacyVolumes(context),
        // A host-network pod's probe goes to the node's address unless told, and the insecure port
        // listens on 127.0.0.1 in HTTPS mode (the era's salt manifest sets the same host).
        liveness: {
          host: https ? "127.0.0.1" : node.ip,
          path: "/healthz",
          port: profile.apiserverInsecurePort ?? 8080,
        },
      }
    : {
        name: "kube-apiserver",
        image: image(context, profile.images.apiserver ?? ""),
        command: ["kube-apiserver", ...flags.toArgs()],
        volumes: currentVolumes(),
        liveness: {
          host: node.ip,
          path: profile.health.apiserverLiveness,
          port: plan.controlPlane.apiserverPort,
          scheme: "HTTPS",
        },
        ...(profile.health.apiserverReadiness
          ? {
              readiness: {
                host: node.ip,
                path: profile.health.apiserverReadiness,
                port: plan.controlPlane.apiserverPort,
                scheme: "HTTPS",
              },
            }
          : {}),
      };
  return manifest(
    context,
    shape,
    `The API server on ${node.name}: ${https ? "HTTPS with client certificates and tokens" : "plain HTTP behind the firewall"}, backed by etcd.`,
    ["S10", "S11", "S26"],
  );
}

/** Where a seed-era controller-manager or scheduler reaches its apiserver's insecure port. */
function legacyMaster(context: NodeContext): string {
  // Firewall-only binds the insecure port to the node's address (S26), so loopback would not answer.
  const host = context.spec.security.mode === "https" ? "127.0.0.1" : context.node.ip;
  // With the scheme: the era's salt manifests wrote host:port, which Go's net/url refuses since Go
  // 1.12 ("first path segment in URL cannot contain colon"), so a rebuilt 1.2 binary cannot start.
  return `http://${hostPort(host, context.profile.apiserverInsecurePort ?? 8080)}`;
}

/**
 * Whether the controller-manager hands out Node.spec.podCIDR (kubelet-managed cbr0, or the seed's
 * flannel). Current flannel reads Node.spec.podCIDR too, but the controller-manager's allocator gives
 * ranges in the order nodes register, not the plan's: the admin's nodes.yaml sets them instead.
 */
function allocatesNodeRanges(context: NodeContext): boolean {
  const network = context.plan.network;
  if (context.profile.era === "current" && network.overlay === "flannel") return false;
  return network.bridge.management === "kubelet" || network.overlay === "flannel";
}

function controllerManagerPod(context: NodeContext): Artifact {
  const { plan, profile, spec, node } = context;
  const secondary = plan.network.secondary;
  const flags = new FlagSet("kube-controller-manager", profile);
  const provider = cloudProvider(context);
  const allocate = allocatesNodeRanges(context);
  if (profile.era === "legacy") {
    const serviceAccountKey = separateServiceAccountKey(plan)
      ? `${LEGACY_PKI}/sa.key`
      : `${LEGACY_PKI}/server.key`;
    flags
      .set("--cluster-name", plan.clusterName)
      .set("--cluster-cidr", plan.network.podCIDR)
      .set("--allocate-node-cidrs", allocate)
      .when(provider !== undefined, "--cloud-provider", provider)
      .when(hasCloudConfig(context), "--cloud-config", CLOUD_CONFIG_PATH)
      .set("--service-account-private-key-file", serviceAccountKey)
      // Puts ca.crt into service-account token secrets so pods can verify the apiserver (HTTPS only).
      .when(spec.security.mode === "https", "--root-ca-file", `${LEGACY_PKI}/ca.crt`)
      .set("--master", legacyMaster(context));
  } else {
    const kubeconfig = "/etc/kubernetes/controller-manager.conf";
    const caKeyOnNode = context.pki.certificates.some(
      (entry) => entry.id === "ca" && entry.keyHolders.includes(node.name),
    );
    flags
      .set("--bind-address", "127.0.0.1")
      .set("--leader-elect", true)
      .set("--kubeconfig", kubeconfig)
      .set("--authentication-kubeconfig", kubeconfig)
      .set("--authorization-kubeconfig", kubeconfig)
      .set("--client-ca-file", `${PKI}/ca.crt`)
      .set("--requestheader-client-ca-file", `${PKI}/front-proxy-ca.crt`)
      .set("--root-ca-file", `${PKI}/ca.crt`)
      .set("--service-account-private-key-file", `${PKI}/sa.key`)
      // With an external CA the key stays with its owner, and kubelet CSRs wait for a manual signature.
      .when(caKeyOnNode, "--cluster-signing-cert-file", `${PKI}/ca.crt`)
      .when(caKeyOnNode, "--cluster-signing-key-file", `${PKI}/ca.key`)
      .set("--use-service-account-credentials", true)
      .set("--controllers", "*,bootstrapsigner,tokencleaner")
      .set("--allocate-node-cidrs", allocate)
      .set("--cluster-cidr", podRanges(plan).join(","))
      // A dual-stack controller-manager refuses --node-cidr-mask-size (setNodeCIDRMaskSizes in
      // cmd/kube-controller-manager/app/core.go): one size per family instead.
      .when(allocate && secondary === undefined, "--node-cidr-mask-size", plan.network.nodePodCIDRPrefix)
      .when(
        allocate && secondary !== undefined,
        `--node-cidr-mask-size-${plan.network.families[0] ?? ""}`,
        plan.network.nodePodCIDRPrefix,
      )
      .when(
        allocate && secondary !== undefined,
        `--node-cidr-mask-size-${secondary?.family ?? ""}`,
        secondary?.nodePodCIDRPrefix ?? 0,
      )
      .set("--service-cluster-ip-range", serviceRanges(plan).join(","))
      .set("--cluster-name", plan.clusterName);
  }
  const legacy = profile.era === "legacy";
  const health: Probe = {
    host: "127.0.0.1",
    path: "/healthz",
    port: profile.health.controllerManagerPort,
    ...(legacy ? {} : { scheme: "HTTPS" as const }),
  };
  const shape: PodShape = legacy
    ? {
        name: "kube-controller-manager",
        image: spec.images.hyperkube ?? image(context, profile.images.hyperkube ?? ""),
        command: ["/hyperkube", "controller-manager", ...flags.toArgs()],
        volumes: legacyVolumes(context),
        liveness: health,
      }
    : {
        name: "kube-controller-manager",
        image: image(context, profile.images.controllerManager ?? ""),
        command: ["kube-controller-manager", ...flags.toArgs()],
        volumes: currentVolumes({
          name: "kubeconfig",
          hostPath: "/etc/kubernetes/controller-manager.conf",
          mountPath: "/etc/kubernetes/controller-manager.conf",
          type: "FileOrCreate",
          readOnly: true,
        }),
        liveness: health,
      };
  return manifest(
    context,
    shape,
    "The controller manager: node, service-account and replication controllers.",
    ["S8", "S28"],
  );
}

function schedulerPod(context: NodeContext): Artifact {
  const { profile, spec } = context;
  const flags = new FlagSet("kube-scheduler", profile);
  const legacy = profile.era === "legacy";
  if (legacy) {
    flags.set("--master", legacyMaster(context));
  } else {
    const kubeconfig = "/etc/kubernetes/scheduler.conf";
    flags
      .set("--bind-address", "127.0.0.1")
      .set("--leader-elect", true)
      .set("--kubeconfig", kubeconfig)
      .set("--authentication-kubeconfig", kubeconfig)
      .set("--authorization-kubeconfig", kubeconfig);
  }
  const health: Probe = {
    host: "127.0.0.1",
    path: "/healthz",
    port: profile.health.schedulerPort,
    ...(legacy ? {} : { scheme: "HTTPS" as const }),
  };
  const shape: PodShape = legacy
    ? {
        name: "kube-scheduler",
        image: spec.images.hyperkube ?? image(context, profile.images.hyperkube ?? ""),
        command: ["/hyperkube", "scheduler", ...flags.toArgs()],
        volumes: [],
        liveness: health,
      }
    : {
        name: "kube-scheduler",
        image: image(context, profile.images.scheduler ?? ""),
        command: ["kube-scheduler", ...flags.toArgs()],
        volumes: [
          {
            name: "kubeconfig",
            hostPath: "/etc/kubernetes/scheduler.conf",
            mountPath: "/etc/kubernetes/scheduler.conf",
            type: "FileOrCreate",
            readOnly: true,
          },
        ],
        liveness: health,
      };
  return manifest(context, shape, "The scheduler: places pods on nodes.", ["S27"]);
}

/** The static pods of one node: etcd on etcd members, the control plane on control-plane nodes. */
export function staticPodArtifacts(context: NodeContext): Artifact[] {
  const pods: Artifact[] = [];
  if (isEtcdMember(context)) pods.push(etcdPod(context));
  if (isControlPlane(context))
    pods.push(apiserverPod(context), controllerManagerPod(context), schedulerPod(context));
  return pods;
}
