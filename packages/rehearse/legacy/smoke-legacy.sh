#!/usr/bin/env bash
# Boots a one-machine Kubernetes v1.2.7 (etcd 2.2.0, apiserver, controller-manager, scheduler,
# kubelet with Debian's dockerd, kube-proxy in iptables mode) inside a network namespace of its
# own, runs a few checks, and removes everything it made (processes, containers, mounts,
# cgroups, the namespace, the work dir), also on Ctrl-C.
#
# Usage: smoke-legacy.sh CACHE_DIR      (CACHE_DIR as given to build-legacy.sh)
# Needs: root, cgroup v1 controllers, /usr/sbin/dockerd + docker CLI (Debian docker.io 20.10),
#        curl, nsenter, ip. Nothing listens outside the namespace; no image is pulled.
# Prints one line per check and "N passed, N failed"; exits 1 when a check failed.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 CACHE_DIR" >&2
  exit 2
fi
bin="$(cd "$1/bin" && pwd)"
hk="${bin}/kubernetes-v1.2.7/hyperkube"
for f in "${hk}" "${bin}/etcd-v2.2.0/etcd" "${bin}/pause-2.0.docker.tar" "${bin}/pause"; do
  [[ -e "${f}" ]] || { echo "error: ${f} missing (run build-legacy.sh first)" >&2; exit 3; }
done

ns="kslegacy$$"
work="$(mktemp -d /tmp/ks-legacy-smoke.XXXXXX)"
tag="kslegacy$$"          # cgroup parents: /${tag}-docker, /${tag}-pods
node="legacy-node"
nodeip="10.99.0.1"        # on the namespace's lo; the apiserver refuses to advertise 127.0.0.1
pids=()
passed=0
failed=0

inns() { nsenter --net="/var/run/netns/${ns}" "$@"; }
# not `ip netns exec`: it remounts /sys, which hides /sys/fs/cgroup from dockerd
# ("Devices cgroup isn't mounted") and from the kubelet.
start() {
  local name="$1"
  shift
  # nsenter itself, not the inns function: $! must be the program's pid (nsenter execs it),
  # not a subshell's, or cleanup's kill misses the program.
  nsenter --net="/var/run/netns/${ns}" "$@" >"${work}/logs/${name}.log" 2>&1 &
  pids+=("$!")
}
check() {
  local what="$1"
  shift
  if "$@" >"${work}/check.out" 2>&1; then
    echo "PASS ${what}"
    passed=$((passed + 1))
  else
    echo "FAIL ${what}: $(head -c 300 "${work}/check.out" | tr '\n' ' ')"
    failed=$((failed + 1))
  fi
}
wait_for() { # seconds command...
  local n="$1"
  shift
  local i
  for ((i = 0; i < n; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  "$@"
}
kubectl() { inns "${hk}" kubectl -s 127.0.0.1:8080 "$@"; }
docker_() { DOCKER_HOST="unix://${work}/docker.sock" docker "$@"; }

cleanup() {
  set +e
  local i
  # kubelet, proxy, scheduler, controller-manager, apiserver: newest first; dockerd and etcd last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    if [[ "${pids[i]}" == "${dockerd_pid:-x}" ]]; then
      docker_ ps -aq | xargs -r env DOCKER_HOST="unix://${work}/docker.sock" docker rm -f >/dev/null 2>&1
    fi
    kill "${pids[i]}" 2>/dev/null
    wait "${pids[i]}" 2>/dev/null
  done
  # mounts the kubelet (secret tmpfs) and dockerd (overlay, shm, netns) left behind, deepest first
  grep -F " ${work}" /proc/self/mountinfo | awk '{print $5}' | sort -r | xargs -r -n1 umount -l 2>/dev/null
  ip netns del "${ns}" 2>/dev/null
  local d
  for d in /sys/fs/cgroup/*/"${tag}"-*; do
    [[ -d "${d}" ]] && find "${d}" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  if [[ "${KEEP_LOGS:-0}" == 1 ]]; then
    find "${work}" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
    echo "logs kept in ${work}/logs"
  else
    rm -rf "${work}"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "${work}/logs" "${work}/manifests" "${work}/certs"
ip netns add "${ns}"
inns ip link set lo up
inns ip addr add "${nodeip}/32" dev lo

t0="$(date +%s)"
start etcd "${bin}/etcd-v2.2.0/etcd" --name smoke --data-dir "${work}/etcd" \
  --listen-client-urls http://127.0.0.1:4001 --advertise-client-urls http://127.0.0.1:4001 \
  --listen-peer-urls http://127.0.0.1:7001 --initial-advertise-peer-urls http://127.0.0.1:7001 \
  --initial-cluster smoke=http://127.0.0.1:7001
check "etcd 2.2.0 answers on 127.0.0.1:4001" wait_for 20 inns curl -fsS 127.0.0.1:4001/version

start apiserver "${hk}" apiserver --etcd-servers=http://127.0.0.1:4001 \
  --service-cluster-ip-range=10.0.0.0/16 --insecure-bind-address=127.0.0.1 --insecure-port=8080 \
  --bind-address="${nodeip}" --advertise-address="${nodeip}" --secure-port=6443 --cert-dir="${work}/certs" \
  --admission-control=NamespaceLifecycle,LimitRanger,ServiceAccount,ResourceQuota
check "apiserver /healthz" wait_for 30 inns curl -fsS 127.0.0.1:8080/healthz
check "apiserver reports v1.2.7" bash -c "nsenter --net=/var/run/netns/${ns} curl -fsS 127.0.0.1:8080/version | grep -q '\"gitVersion\": \"v1.2.7\"'"
check "apiserver created namespace default" wait_for 10 inns curl -fsS 127.0.0.1:8080/api/v1/namespaces/default
if inns curl -fsS 127.0.0.1:8080/api/v1/namespaces/kube-system >/dev/null 2>&1; then
  echo "INFO the 1.2 apiserver created kube-system"
else
  echo "INFO the 1.2 apiserver does not create kube-system (only default); create it yourself"
fi

start controller-manager "${hk}" controller-manager --master=127.0.0.1:8080 \
  --service-account-private-key-file="${work}/certs/apiserver.key" --root-ca-file="${work}/certs/apiserver.crt"
start scheduler "${hk}" scheduler --master=127.0.0.1:8080
check "controller-manager /healthz" wait_for 20 inns curl -fsS 127.0.0.1:10252/healthz
check "scheduler /healthz" wait_for 20 inns curl -fsS 127.0.0.1:10251/healthz
check "service account default/default has a token" wait_for 20 bash -c \
  "nsenter --net=/var/run/netns/${ns} ${hk} kubectl -s 127.0.0.1:8080 get serviceaccount default -o template --template '{{len .secrets}}' | grep -qx 1"

mkdir -p "${work}/docker" "${work}/docker-exec"
# --default-ipc-mode=shareable: kubelet 1.2 joins every app container to the pause container's
# IPC namespace; dockerd >= 17.06's default "private" refuses that ("non-shareable IPC").
start dockerd /usr/sbin/dockerd --data-root "${work}/docker" --exec-root "${work}/docker-exec" \
  --pidfile "${work}/dockerd.pid" -H "unix://${work}/docker.sock" --cgroup-parent "/${tag}-docker" \
  --storage-driver overlay2 --bip 172.31.254.1/24 --default-ipc-mode=shareable
dockerd_pid="${pids[-1]}"
check "dockerd answers" wait_for 30 docker_ version
check "pause:2.0 loaded from the tar (no registry)" docker_ load -i "${bin}/pause-2.0.docker.tar"
# the workload image: the static pause binary again, as an image of another name
check "workload image kubescratch/sleeper:legacy imported" bash -c \
  "tar -C '${bin}' -cf - pause | DOCKER_HOST=unix://${work}/docker.sock docker import --change 'ENTRYPOINT [\"/pause\"]' - kubescratch/sleeper:legacy"

cat >"${work}/manifests/static.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: static
  namespace: default
spec:
  containers:
  - name: sleeper
    image: kubescratch/sleeper:legacy
    imagePullPolicy: Never
EOF
start kubelet "${hk}" kubelet --api-servers=http://127.0.0.1:8080 --config="${work}/manifests" \
  --root-dir="${work}/kubelet" --docker-endpoint="unix://${work}/docker.sock" \
  --docker="unix://${work}/docker.sock" --docker-root="${work}/docker" --docker-run="${work}/docker-exec" \
  --hostname-override="${node}" --node-ip="${nodeip}" --address=127.0.0.1 --cgroup-root="/${tag}-pods" \
  --pod-infra-container-image=gcr.io/google_containers/pause:2.0 --cadvisor-port=0 --file-check-frequency=5s
start proxy "${hk}" proxy --master=http://127.0.0.1:8080 --proxy-mode=iptables --hostname-override="${node}" \
  --healthz-bind-address=127.0.0.1 --conntrack-max=0 --conntrack-tcp-timeout-established=0
# conntrack-max=0: nf_conntrack_max is read-only outside the initial network namespace; kube-proxy
# 1.2 otherwise exits with "open /proc/sys/net/netfilter/nf_conntrack_max: permission denied".

check "node ${node} Ready" wait_for 60 bash -c \
  "nsenter --net=/var/run/netns/${ns} ${hk} kubectl -s 127.0.0.1:8080 get node ${node} | grep -qw Ready"
check "static pod running (mirror pod in the API)" wait_for 60 bash -c \
  "nsenter --net=/var/run/netns/${ns} ${hk} kubectl -s 127.0.0.1:8080 get pod static-${node} | grep -q Running"

cat >"${work}/web.yaml" <<EOF
apiVersion: v1
kind: ReplicationController
metadata:
  name: web
spec:
  replicas: 2
  selector:
    app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: sleeper
        image: kubescratch/sleeper:legacy
        imagePullPolicy: Never
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 8000
EOF
check "create ReplicationController + Service" kubectl create -f "${work}/web.yaml"
check "scheduler placed 2 RC pods, both Running" wait_for 60 bash -c \
  "[[ \$(nsenter --net=/var/run/netns/${ns} ${hk} kubectl -s 127.0.0.1:8080 get pods -l app=web | grep -c Running) == 2 ]]"
check "endpoints web has 2 addresses" wait_for 30 bash -c \
  "nsenter --net=/var/run/netns/${ns} ${hk} kubectl -s 127.0.0.1:8080 get endpoints web -o template --template '{{range .subsets}}{{range .addresses}}{{.ip}} {{end}}{{end}}' | wc -w | grep -qx 2"
podip="$(kubectl get pod "static-${node}" -o template --template '{{.status.podIP}}')"
check "static pod IP ${podip} (docker0 bridge) answers ping" inns ping -c 1 -W 2 "${podip}"
svcip="$(kubectl get service web -o template --template '{{.spec.clusterIP}}')"
check "kube-proxy programmed iptables for web (${svcip})" wait_for 30 bash -c \
  "nsenter --net=/var/run/netns/${ns} iptables -t nat -S KUBE-SERVICES | grep -q -- '-d ${svcip}/32'"
inns ip route add 10.0.0.0/16 dev docker0 src "${nodeip}"
check "ClusterIP 10.0.0.1:443 reaches the apiserver through kube-proxy" \
  inns curl -fsSk -m 5 https://10.0.0.1/version

echo "boot + checks took $(($(date +%s) - t0)) s"
echo "${passed} passed, ${failed} failed"
[[ "${failed}" == 0 ]]
