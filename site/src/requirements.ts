// The seed guide's requirements (S1..S31), copied from the seed's REQUIREMENTS.md so the site can show
// the text every artifact cites (a clone of the repository has no ../shared). Keep in step with it.

export interface Requirement {
  readonly id: string;
  readonly section: string;
  readonly text: string;
}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    id: "S1",
    section: "Cluster-wide decisions",
    text: "Cloud provider: none (bare metal) or one of aws, gce, mesos, openshift, ovirt, rackspace, vagrant (legacy in-tree); `--cloud-provider` and `--cloud-config` on apiserver and controller-manager; the cloud-config file (gcfg/INI syntax) generated and mounted by hostPath.",
  },
  {
    id: "S2",
    section: "Cluster-wide decisions",
    text: "Nodes: x86_64 Linux; at least 4 nodes recommended (warn below); a master/worker split is optional (a node may hold both roles); nodes may differ in size.",
  },
  {
    id: "S3",
    section: "Cluster-wide decisions",
    text: "Pod networking mode: (a) routable pod IPs — routes programmed per node (static routes, or the cloud provider's routes), best performance; (b) overlay network — Flannel, Weave or Open vSwitch — no cloud routes needed, lower performance, MTU consequences.",
  },
  {
    id: "S4",
    section: "Cluster-wide decisions",
    text: "Address plan: one cluster pod range (CLUSTER_SUBNET); one pod CIDR per node (NODE_X_POD_CIDR), /24 by default, /26 or /27 when short of addresses; total need = max-pods-per-node x max-nodes; e.g. 10.10.0.0/16 split into 10.10.0.0/24 .. 10.10.255.0/24.",
  },
  {
    id: "S5",
    section: "Cluster-wide decisions",
    text: "Service range SERVICE_CLUSTER_IP_RANGE (e.g. 10.0.0.0/16 = 65534 services); may not be removed while services run, so regeneration must never silently change it.",
  },
  {
    id: "S6",
    section: "Cluster-wide decisions",
    text: "MASTER_IP: a static address for the master; firewall allowing the apiserver ports (80/443); `net.ipv4.ip_forward = 1` via sysctl.",
  },
  {
    id: "S7",
    section: "Cluster-wide decisions",
    text: "IPv6 is not supported by the seed's Kubernetes (validation says so for legacy versions).",
  },
  {
    id: "S8",
    section: "Cluster-wide decisions",
    text: "CLUSTER_NAME: short, unique; used to tag cloud resources; passed as `--cluster-name`.",
  },
  {
    id: "S9",
    section: "Software and images",
    text: "Components: etcd, a container runtime (docker or rkt), kubelet, kube-proxy, kube-apiserver, kube-controller-manager, kube-scheduler; binaries from the release tarball (`kubernetes-server-linux-amd64.tar.gz`, `server/bin`).",
  },
  {
    id: "S10",
    section: "Software and images",
    text: "Images: HYPERKUBE_IMAGE (`gcr.io/google_containers/hyperkube:$TAG`, `hyperkube kubelet|apiserver ...`), ETCD_IMAGE (GCR, quay.io, the OS's etcd, or self-built); a private registry (images loaded with `docker load -i`); kubelet/kube-proxy tag must match the image tag.",
  },
  {
    id: "S11",
    section: "Security",
    text: "Two security modes: HTTP with firewall only (simple), or HTTPS with certificates and user credentials (recommended).",
  },
  {
    id: "S12",
    section: "Security",
    text: "Certificates: a root CA (CA_CERT), apiserver serving cert (MASTER_CERT/MASTER_KEY) signed by it, optional per-kubelet cert/key (KUBELET_CERT/KUBELET_KEY); placed at /srv/kubernetes/{ca.crt,server.crt,server.key}.",
  },
  {
    id: "S13",
    section: "Security",
    text: 'Tokens: long random strings (32 chars: urandom -> base64 -> strip "=+/" -> 32 chars), kept in a tokens CSV on the apiserver (known_tokens.csv); optional basic_auth.csv (password,user,uid).',
  },
  {
    id: "S14",
    section: "Security",
    text: "Admin kubeconfig: firewall-only form (http server, insecure-skip-tls-verify) or HTTPS form (embedded CA, client cert/key and token); cluster, user and context entries; current-context set (what `kubectl config set-cluster/set-credentials/set-context/use-context` would write).",
  },
  {
    id: "S15",
    section: "Security",
    text: "Kubelet and kube-proxy kubeconfigs at /var/lib/kubelet/kubeconfig and /var/lib/kube-proxy/kubeconfig, in one of three credential layouts: (1) same credentials as the admin; (2) one token shared by all kubelets, one by all kube-proxies, one for the admin; (3) one credential per kubelet, per kube-proxy and per admin (not supported by the seed's Kubernetes, fully supported today).",
  },
  {
    id: "S16",
    section: "Node software",
    text: "Docker: cleanup of a pre-existing docker bridge (`iptables -t nat -F`, `ifconfig docker0 down`, `brctl delbr docker0`); options `--bridge=cbr0`, `--iptables=false`, `--ip-masq=false` (routable pod IPs), `--mtu=` (needed with Flannel), `--insecure-registry $CLUSTER_SUBNET`; DOCKER_NOFILE=1000000 in the OS's docker defaults file (e.g. /etc/default/docker).",
  },
  {
    id: "S17",
    section: "Node software",
    text: "rkt: min v0.5.6, systemd >= 215, the rkt metadata service (`systemd-run rkt metadata-service`), kubelet `--container-runtime=rkt`.",
  },
  {
    id: "S18",
    section: "Node software",
    text: "kubelet on every node: HTTPS `--api-servers=https://$MASTER_IP --kubeconfig=/var/lib/kubelet/kubeconfig` or firewall-only `--api-servers=http://$MASTER_IP`; `--config=/etc/kubernetes/manifests`, `--cluster-dns=`, `--cluster-domain=`, `--docker-root=`, `--root-dir=`, `--configure-cbr0=`, `--register-node`.",
  },
  {
    id: "S19",
    section: "Node software",
    text: "kube-proxy on every node (master too): https + kubeconfig, or http.",
  },
  {
    id: "S20",
    section: "Node software",
    text: "Per-node bridge cbr0: address NODE_X_BRIDGE_ADDR = first IP of the node's pod CIDR (with the cluster prefix length, e.g. 10.0.0.1/16 in the seed's example); automated (`--configure-cbr0=true`, kubelet waits for Node.Spec.PodCIDR) or manual (`brctl addbr cbr0`, `ip link set dev cbr0 mtu 1460`, `ip addr add`, `ip link set dev cbr0 up`).",
  },
  {
    id: "S21",
    section: "Node software",
    text: "Masquerade for traffic leaving the cluster range: `iptables -t nat -A POSTROUTING ! -d ${CLUSTER_SUBNET} -m addrtype ! --dst-type LOCAL -j MASQUERADE` (environment dependent: optional).",
  },
  {
    id: "S22",
    section: "Node software",
    text: "Node hygiene: automatic package upgrades, log rotation (logrotate), liveness monitoring (monit), storage plugin clients (e.g. glusterfs-client).",
  },
  {
    id: "S23",
    section: "Node software",
    text: "Configuration management: the same setup expressible for Saltstack, Ansible, Juju or CoreOS cloud-config (the generator's bundles must be easy to feed to such tools).",
  },
  {
    id: "S24",
    section: "Bootstrapping the control plane",
    text: "Node daemons (kubelet, kube-proxy, runtime) managed by the OS (systemd units); everything else runs as pods defined by manifests in the kubelet's manifest folder (/etc/kubernetes/manifests).",
  },
  {
    id: "S25",
    section: "Bootstrapping the control plane",
    text: "etcd: one instance on durable storage (recommended), or 3 or 5 instances (data may then be on non-durable storage); the apiserver talks to etcd.",
  },
  {
    id: "S26",
    section: "Bootstrapping the control plane",
    text: "kube-apiserver pod: hostNetwork, image + command, ports https 443 and local 8080, volume mounts /srv/kubernetes and /etc/ssl (read-only hostPath), optional /var/log, liveness probe GET /healthz. Flags: `--cloud-provider`, `--cloud-config`, `--address`/`--bind-address` (when a proxy runs on the master), `--cluster-name`, `--service-cluster-ip-range`, `--etcd-servers`, `--tls-cert-file`, `--tls-private-key-file`, `--admission-control=<recommended list>`, `--allow-privileged` (only if users are trusted with root); firewall-only: `--token-auth-file=/dev/null`, `--insecure-bind-address`, `--advertise-address`; HTTPS: `--client-ca-file`, `--token-auth-file`, `--basic-auth-file`.",
  },
  {
    id: "S27",
    section: "Bootstrapping the control plane",
    text: "kube-scheduler pod: `--master=127.0.0.1:8080`, liveness probe on 10251; optional /var/log.",
  },
  {
    id: "S28",
    section: "Bootstrapping the control plane",
    text: "kube-controller-manager pod: `--cluster-name`, `--cluster-cidr`, `--allocate-node-cidrs`, cloud flags, `--service-account-private-key-file`, `--master`; mounts /srv/kubernetes and /etc/ssl; liveness probe on 10252.",
  },
  {
    id: "S29",
    section: "Bootstrapping the control plane",
    text: "Verification: `docker ps | grep apiserver`; `curl http://localhost:8080/healthz` prints ok; `curl /api` lists versions; nodes self-register with `--register-node=true`, otherwise register them by hand (Node objects); `kubectl get nodes`.",
  },
  {
    id: "S30",
    section: "Bootstrapping the control plane",
    text: "Logging, monitoring and DNS are TODO in the seed: a cluster DNS addon whose service IP matches the kubelet's `--cluster-dns` completes it.",
  },
  {
    id: "S31",
    section: "Bootstrapping the control plane",
    text: "Troubleshooting: a validate-cluster step; check pods, services and mirror pods; run an nginx example; conformance tests; nodes reach each other on private IPs (ping/SSH).",
  },
];
