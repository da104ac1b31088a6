// The from-scratch guide's steps (the seed's REQUIREMENTS.md, S1..S31), so the site can say which step
// every file carries out (a clone of the repository has no ../shared). Keep `text` in step with it.
//
// The guide was written for Kubernetes 1.1 and 1.2: its texts name hyperkube, docker, ports 80/443/8080
// and basic auth. A current release's file does the same step differently, so each step also says what
// the bundles of a current release do (`current`); explanation() picks the text for a bundle's era and
// labels the guide's text as the guide's. The ids (S5) are the project's own: pages use them in anchors
// and search keys, never as text for the reader.
import type { Era } from "@kubescratch/core";

export interface Requirement {
  /** "S5": anchors and search keys only. */
  readonly id: string;
  /** The step's number in the guide's list (1..31), for "step 5 of the from-scratch guide". */
  readonly step: number;
  readonly section: string;
  /** What the reader does in this step, in a few words: "Choose the service address range". */
  readonly title: string;
  /** The guide's own text (Kubernetes 1.1 and 1.2). */
  readonly text: string;
  /** What the bundles of a current release do for this step (no 1.2-era flag, port or file). */
  readonly current: string;
}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    id: "S1",
    step: 1,
    title: "Choose a cloud provider",
    current:
      "Current releases have no in-tree cloud providers left: with cloudProvider.name external, every kubelet runs with `--cloud-provider=external` and the admin bundle says how to run the provider's own cloud-controller-manager; without one, the cluster is bare metal.",
    section: "Cluster-wide decisions",
    text: "Cloud provider: none (bare metal) or one of aws, gce, mesos, openshift, ovirt, rackspace, vagrant (legacy in-tree); `--cloud-provider` and `--cloud-config` on apiserver and controller-manager; the cloud-config file (gcfg/INI syntax) generated and mounted by hostPath.",
  },
  {
    id: "S2",
    step: 2,
    title: "Plan the nodes and their roles",
    current:
      "One bundle per node of the spec. A node may be a control-plane node, an etcd member and a worker at once; control-plane and etcd nodes get static pods, every node a kubelet and kube-proxy.",
    section: "Cluster-wide decisions",
    text: "Nodes: x86_64 Linux; at least 4 nodes recommended (warn below); a master/worker split is optional (a node may hold both roles); nodes may differ in size.",
  },
  {
    id: "S3",
    step: 3,
    title: "Choose how pods reach each other",
    current:
      "Routed pod IPs: each node's network setup script routes every other node's pod range (from the pod-routes file all nodes share) and containerd's CNI bridge puts the node's pods on cbr0; or an overlay network that runs as a DaemonSet.",
    section: "Cluster-wide decisions",
    text: "Pod networking mode: (a) routable pod IPs — routes programmed per node (static routes, or the cloud provider's routes), best performance; (b) overlay network — Flannel, Weave or Open vSwitch — no cloud routes needed, lower performance, MTU consequences.",
  },
  {
    id: "S4",
    step: 4,
    title: "Plan the pod address ranges",
    current:
      "One cluster pod range split into one range per node (/24 by default); each node's CNI bridge configuration hands out pod addresses from the node's own range, and kube-proxy is given the cluster range.",
    section: "Cluster-wide decisions",
    text: "Address plan: one cluster pod range (CLUSTER_SUBNET); one pod CIDR per node (NODE_X_POD_CIDR), /24 by default, /26 or /27 when short of addresses; total need = max-pods-per-node x max-nodes; e.g. 10.10.0.0/16 split into 10.10.0.0/24 .. 10.10.255.0/24.",
  },
  {
    id: "S5",
    step: 5,
    title: "Choose the service address range",
    current:
      "The service range is the apiserver's `--service-cluster-ip-range`; its first address is the kubernetes service's, and the cluster DNS address comes from it. `kubescratch generate` refuses to change it for an existing cluster unless told to (`--allow-range-change`).",
    section: "Cluster-wide decisions",
    text: "Service range SERVICE_CLUSTER_IP_RANGE (e.g. 10.0.0.0/16 = 65534 services); may not be removed while services run, so regeneration must never silently change it.",
  },
  {
    id: "S6",
    step: 6,
    title: "Give the API server a stable address",
    current:
      "The address kubelets, kube-proxies and kubectl reach the API server at: a control-plane node's IP, or a virtual IP that keepalived holds and haproxy balances over every API server. IP forwarding and iptables for bridged traffic stay on across reboots (sysctl, br_netfilter).",
    section: "Cluster-wide decisions",
    text: "MASTER_IP: a static address for the master; firewall allowing the apiserver ports (80/443); `net.ipv4.ip_forward = 1` via sysctl.",
  },
  {
    id: "S7",
    step: 7,
    title: "Choose the address family",
    current:
      "Current releases support IPv6: a generated cluster uses one address family, IPv4 or IPv6, for every node, pod and service address.",
    section: "Cluster-wide decisions",
    text: "IPv6 is not supported by the seed's Kubernetes (validation says so for legacy versions).",
  },
  {
    id: "S8",
    step: 8,
    title: "Name the cluster",
    current:
      "The cluster's name names the kubeconfigs' cluster entries and is the controller-manager's `--cluster-name`.",
    section: "Cluster-wide decisions",
    text: "CLUSTER_NAME: short, unique; used to tag cloud resources; passed as `--cluster-name`.",
  },
  {
    id: "S9",
    step: 9,
    title: "Get the components",
    current:
      "etcd, containerd (the CRI runtime), the kubelet, kube-proxy, and the API server, controller-manager and scheduler: the kubelet and kube-proxy are release binaries run by systemd, the others run as static pods from the release's images.",
    section: "Software and images",
    text: "Components: etcd, a container runtime (docker or rkt), kubelet, kube-proxy, kube-apiserver, kube-controller-manager, kube-scheduler; binaries from the release tarball (`kubernetes-server-linux-amd64.tar.gz`, `server/bin`).",
  },
  {
    id: "S10",
    step: 10,
    title: "Get the images",
    current:
      "Each control-plane component runs from its own image (kube-apiserver, kube-controller-manager, kube-scheduler at the release's tag, from registry.k8s.io or the spec's registry); etcd and pause at the versions kubeadm pins for the release. The admin bundle's images.txt lists what to mirror.",
    section: "Software and images",
    text: "Images: HYPERKUBE_IMAGE (`gcr.io/google_containers/hyperkube:$TAG`, `hyperkube kubelet|apiserver ...`), ETCD_IMAGE (GCR, quay.io, the OS's etcd, or self-built); a private registry (images loaded with `docker load -i`); kubelet/kube-proxy tag must match the image tag.",
  },
  {
    id: "S11",
    step: 11,
    title: "Choose how the cluster is secured",
    current:
      "Current releases serve the API over HTTPS only (there is no insecure port): every client authenticates with a certificate or a token, and RBAC and the Node authorizer decide what it may do.",
    section: "Security",
    text: "Two security modes: HTTP with firewall only (simple), or HTTPS with certificates and user credentials (recommended).",
  },
  {
    id: "S12",
    step: 12,
    title: "Make the certificates",
    current:
      "A cluster CA, and separate CAs for etcd and the front proxy, sign the API server's serving certificate (valid for every name and address clients use) and one client certificate per component, under /etc/kubernetes/pki as kubeadm lays it out.",
    section: "Security",
    text: "Certificates: a root CA (CA_CERT), apiserver serving cert (MASTER_CERT/MASTER_KEY) signed by it, optional per-kubelet cert/key (KUBELET_CERT/KUBELET_KEY); placed at /srv/kubernetes/{ca.crt,server.crt,server.key}.",
  },
  {
    id: "S13",
    step: 13,
    title: "Make the tokens",
    current:
      "Components authenticate with client certificates. When the spec asks for static tokens, the API server reads them from its token file (`--token-auth-file`: token, user, uid and groups per row); basic auth is gone (removed in 1.19).",
    section: "Security",
    text: 'Tokens: long random strings (32 chars: urandom -> base64 -> strip "=+/" -> 32 chars), kept in a tokens CSV on the apiserver (known_tokens.csv); optional basic_auth.csv (password,user,uid).',
  },
  {
    id: "S14",
    step: 14,
    title: "Give the administrators their kubeconfig",
    current:
      "Each administrator gets a kubeconfig with the cluster's CA, their own client certificate and key, and a context joining them, as `kubectl config` would write it; the admin bundle also holds the CA on its own.",
    section: "Security",
    text: "Admin kubeconfig: firewall-only form (http server, insecure-skip-tls-verify) or HTTPS form (embedded CA, client cert/key and token); cluster, user and context entries; current-context set (what `kubectl config set-cluster/set-credentials/set-context/use-context` would write).",
  },
  {
    id: "S15",
    step: 15,
    title: "Give each component its kubeconfig",
    current:
      "Every kubelet, kube-proxy, controller-manager and scheduler has a kubeconfig of its own with its own client certificate (one identity per component and node); the Node authorizer and RBAC bindings limit what each may do.",
    section: "Security",
    text: "Kubelet and kube-proxy kubeconfigs at /var/lib/kubelet/kubeconfig and /var/lib/kube-proxy/kubeconfig, in one of three credential layouts: (1) same credentials as the admin; (2) one token shared by all kubelets, one by all kube-proxies, one for the admin; (3) one credential per kubelet, per kube-proxy and per admin (not supported by the seed's Kubernetes, fully supported today).",
  },
  {
    id: "S16",
    step: 16,
    title: "Set up the container runtime",
    current:
      "containerd takes docker's place (dockershim left in 1.24): its config.toml sets the pause image, runc with systemd cgroups and the CNI directories, its unit raises the open-file limit, and each plain-HTTP registry gets a hosts.toml of its own.",
    section: "Node software",
    text: "Docker: cleanup of a pre-existing docker bridge (`iptables -t nat -F`, `ifconfig docker0 down`, `brctl delbr docker0`); options `--bridge=cbr0`, `--iptables=false`, `--ip-masq=false` (routable pod IPs), `--mtu=` (needed with Flannel), `--insecure-registry $CLUSTER_SUBNET`; DOCKER_NOFILE=1000000 in the OS's docker defaults file (e.g. /etc/default/docker).",
  },
  {
    id: "S17",
    step: 17,
    title: "Set up rkt",
    current: "rkt is no runtime of current releases (rktnetes left in 1.11): current bundles use containerd.",
    section: "Node software",
    text: "rkt: min v0.5.6, systemd >= 215, the rkt metadata service (`systemd-run rkt metadata-service`), kubelet `--container-runtime=rkt`.",
  },
  {
    id: "S18",
    step: 18,
    title: "Run the kubelet",
    current:
      "The kubelet on every node runs from a systemd unit, with its settings in /var/lib/kubelet/config.yaml (the static pod folder, cluster DNS and domain, webhook authentication and authorization) and its credentials in its own kubeconfig.",
    section: "Node software",
    text: "kubelet on every node: HTTPS `--api-servers=https://$MASTER_IP --kubeconfig=/var/lib/kubelet/kubeconfig` or firewall-only `--api-servers=http://$MASTER_IP`; `--config=/etc/kubernetes/manifests`, `--cluster-dns=`, `--cluster-domain=`, `--docker-root=`, `--root-dir=`, `--configure-cbr0=`, `--register-node`.",
  },
  {
    id: "S19",
    step: 19,
    title: "Run kube-proxy",
    current:
      "kube-proxy on every node, control-plane nodes included, runs from a systemd unit with its settings in /var/lib/kube-proxy/config.yaml (iptables mode, the cluster's pod range) and its own kubeconfig.",
    section: "Node software",
    text: "kube-proxy on every node (master too): https + kubeconfig, or http.",
  },
  {
    id: "S20",
    step: 20,
    title: "Set up each node's pod bridge",
    current:
      "Each node's pod bridge cbr0 takes the first address of the node's pod range: the CNI bridge configuration gives pods their addresses from that range, a loopback configuration gives every pod its own lo, and a unit runs the network setup script at boot, before containerd and the kubelet.",
    section: "Node software",
    text: "Per-node bridge cbr0: address NODE_X_BRIDGE_ADDR = first IP of the node's pod CIDR (with the cluster prefix length, e.g. 10.0.0.1/16 in the seed's example); automated (`--configure-cbr0=true`, kubelet waits for Node.Spec.PodCIDR) or manual (`brctl addbr cbr0`, `ip link set dev cbr0 mtu 1460`, `ip addr add`, `ip link set dev cbr0 up`).",
  },
  {
    id: "S21",
    step: 21,
    title: "Masquerade traffic leaving the cluster",
    current:
      "Traffic from pods to addresses outside the cluster's pod range is masqueraded: the network setup script adds the rule once, and kube-proxy knows the cluster range.",
    section: "Node software",
    text: "Masquerade for traffic leaving the cluster range: `iptables -t nat -A POSTROUTING ! -d ${CLUSTER_SUBNET} -m addrtype ! --dst-type LOCAL -j MASQUERADE` (environment dependent: optional).",
  },
  {
    id: "S22",
    step: 22,
    title: "Keep the nodes healthy",
    current:
      "Automatic package upgrades (with the runtime's packages and reboots held back), log rotation, monit's liveness checks and the storage clients, installed by the bundle's package script.",
    section: "Node software",
    text: "Node hygiene: automatic package upgrades, log rotation (logrotate), liveness monitoring (monit), storage plugin clients (e.g. glusterfs-client).",
  },
  {
    id: "S23",
    step: 23,
    title: "Hand the files to a configuration tool",
    current:
      "Each bundle is a plain tarball (or cloud-init user-data) with its own install script and checksums, so any configuration tool can place it.",
    section: "Node software",
    text: "Configuration management: the same setup expressible for Saltstack, Ansible, Juju or CoreOS cloud-config (the generator's bundles must be easy to feed to such tools).",
  },
  {
    id: "S24",
    step: 24,
    title: "Run the node daemons and the static pods",
    current:
      "containerd, the kubelet and kube-proxy are systemd units; etcd, the API server, controller-manager and scheduler are static pods in /etc/kubernetes/manifests that the kubelet runs. install.sh places every file and starts the units.",
    section: "Bootstrapping the control plane",
    text: "Node daemons (kubelet, kube-proxy, runtime) managed by the OS (systemd units); everything else runs as pods defined by manifests in the kubelet's manifest folder (/etc/kubernetes/manifests).",
  },
  {
    id: "S25",
    step: 25,
    title: "Run etcd",
    current:
      "etcd 3 as a static pod on each etcd node (one member, or several: three or five keep a quorum when one is lost) with mutual TLS for clients and peers. With several control-plane nodes, a virtual IP and haproxy put every API server behind one endpoint.",
    section: "Bootstrapping the control plane",
    text: "etcd: one instance on durable storage (recommended), or 3 or 5 instances (data may then be on non-durable storage); the apiserver talks to etcd.",
  },
  {
    id: "S26",
    step: 26,
    title: "Run the API server",
    current:
      "The kube-apiserver static pod: host network, HTTPS only, the cluster's certificates mounted read-only, etcd's client certificate, the service-account keys, the admission plugins kubeadm enables, and health probes on /livez and /readyz.",
    section: "Bootstrapping the control plane",
    text: "kube-apiserver pod: hostNetwork, image + command, ports https 443 and local 8080, volume mounts /srv/kubernetes and /etc/ssl (read-only hostPath), optional /var/log, liveness probe GET /healthz. Flags: `--cloud-provider`, `--cloud-config`, `--address`/`--bind-address` (when a proxy runs on the master), `--cluster-name`, `--service-cluster-ip-range`, `--etcd-servers`, `--tls-cert-file`, `--tls-private-key-file`, `--admission-control=<recommended list>`, `--allow-privileged` (only if users are trusted with root); firewall-only: `--token-auth-file=/dev/null`, `--insecure-bind-address`, `--advertise-address`; HTTPS: `--client-ca-file`, `--token-auth-file`, `--basic-auth-file`.",
  },
  {
    id: "S27",
    step: 27,
    title: "Run the scheduler",
    current:
      "The kube-scheduler static pod: it reaches the API server through its own kubeconfig and answers its health probe over HTTPS on port 10259.",
    section: "Bootstrapping the control plane",
    text: "kube-scheduler pod: `--master=127.0.0.1:8080`, liveness probe on 10251; optional /var/log.",
  },
  {
    id: "S28",
    step: 28,
    title: "Run the controller-manager",
    current:
      "The kube-controller-manager static pod: its own kubeconfig, the cluster's name and pod range, the key that signs service-account tokens, and its health probe over HTTPS on port 10257.",
    section: "Bootstrapping the control plane",
    text: "kube-controller-manager pod: `--cluster-name`, `--cluster-cidr`, `--allocate-node-cidrs`, cloud flags, `--service-account-private-key-file`, `--master`; mounts /srv/kubernetes and /etc/ssl; liveness probe on 10252.",
  },
  {
    id: "S29",
    step: 29,
    title: "Check that the cluster works",
    current:
      "Each bundle's validate.sh checks that its units run and its local components answer; the admin bundle's validate-cluster.sh checks that the nodes are Ready, the system pods and services run and DNS answers.",
    section: "Bootstrapping the control plane",
    text: "Verification: `docker ps | grep apiserver`; `curl http://localhost:8080/healthz` prints ok; `curl /api` lists versions; nodes self-register with `--register-node=true`, otherwise register them by hand (Node objects); `kubectl get nodes`.",
  },
  {
    id: "S30",
    step: 30,
    title: "Add cluster DNS",
    current:
      "CoreDNS as the cluster DNS addon (the admin bundle's addons/dns.yaml), at the service address every kubelet's configuration names as its cluster DNS.",
    section: "Bootstrapping the control plane",
    text: "Logging, monitoring and DNS are TODO in the seed: a cluster DNS addon whose service IP matches the kubelet's `--cluster-dns` completes it.",
  },
  {
    id: "S31",
    step: 31,
    title: "Troubleshoot",
    current:
      "The admin bundle's validate-cluster.sh and an nginx example to try the cluster with; etcd members get a health-check client certificate for etcdctl.",
    section: "Bootstrapping the control plane",
    text: "Troubleshooting: a validate-cluster step; check pods, services and mirror pods; run an nginx example; conformance tests; nodes reach each other on private IPs (ping/SSH).",
  },
];

const BY_ID: ReadonlyMap<string, Requirement> = new Map(REQUIREMENTS.map((entry) => [entry.id, entry]));

/** The step with this id ("S5"), if there is one. */
export function requirementById(id: string): Requirement | undefined {
  return BY_ID.get(id);
}

/** How the reader is told where a step comes from: "step 5 of the from-scratch guide". */
export function guideStep(requirement: Requirement): string {
  return `step ${requirement.step} of the from-scratch guide`;
}

/** The guide's era, as the label of its texts says it. */
export const GUIDE_ERA = "Kubernetes 1.1 and 1.2";

export interface Explanation {
  readonly title: string;
  /** What the step is about for a bundle of this era. */
  readonly text: string;
  /**
   * "guide": the text is the guide's own, quoted for a bundle of the guide's era (1.1, 1.2);
   * "current": what a current release's bundle does, in the project's words.
   */
  readonly source: "guide" | "current";
  /** Where the text comes from, for the reader: pages show it between the title and the text. */
  readonly note: string;
}

/**
 * What a file of a bundle of `era` says about a step: a current release's files never quote the 1.2
 * guide's hyperkube, ports and basic auth; the guide's era gets the guide's text, labelled as such.
 */
export function explanation(requirement: Requirement, era: Era): Explanation {
  switch (era) {
    case "legacy":
      return {
        title: requirement.title,
        text: requirement.text,
        source: "guide",
        note: `what the from-scratch guide, written for ${GUIDE_ERA}, says in its step ${requirement.step}`,
      };
    case "current":
      return {
        title: requirement.title,
        text: requirement.current,
        source: "current",
        note: guideStep(requirement),
      };
    default: {
      const never: never = era;
      throw new Error(`unknown era ${String(never)}`);
    }
  }
}
