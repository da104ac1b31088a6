#!/usr/bin/env bash
# Builds the "Kubernetes from scratch" era binaries from source, offline except for
# the Go module proxy (sources) and Debian's packages (Go 1.19, gcc):
#   hyperkube v1.2.7 (apiserver, controller-manager, scheduler, kubelet, proxy, kubectl)
#   etcd + etcdctl v2.2.0 (v2.2.1 is not served by the module proxy here: 403)
#   pause (build/pause/pause.go of v1.2.7) and a `docker load`-able pause:2.0 image tar
#   kubelet, kube-proxy, kubectl v1.2.7 as their own commands (cmd/*: 1.2's hyperkube knows only
#     "proxy", not "kube-proxy", as the name it is called by)
#   kube2sky 1.14 (cluster/addons/dns/kube2sky of v1.2.7, the DNS addon's bridge to etcd)
#   the stand-ins in stand-ins/ (skydns, exechealthz: their sources are not served here)
#   optionally hyperkube v1.1.8 (LEGACY_WITH_V118=1)
#
# Usage: build-legacy.sh CACHE_DIR
# Output: CACHE_DIR/bin/kubernetes-v1.2.7/{hyperkube,kubelet,kube-proxy,kubectl,kube2sky},
#         CACHE_DIR/bin/etcd-v2.2.0/{etcd,etcdctl}, CACHE_DIR/bin/stand-ins/{skydns,exechealthz},
#         CACHE_DIR/bin/pause, CACHE_DIR/bin/pause-2.0.docker.tar (and bin/kubernetes-v1.1.8/hyperkube)
# The file must stay named "hyperkube": 1.1/1.2 hyperkube picks the server from basename(argv[0])
# first ("Server not found: hyperkube-v1.2.7" otherwise); symlinks named after a server should
# work too (read from pkg/hyperkube, not tried).
# Idempotent: every output that already exists is skipped. Sources are copied out of the
# read-only module cache into CACHE_DIR/gopath-* and patched there (patches/ beside this file).
#
# Environment:
#   LEGACY_GO        Go toolchain (default /usr/lib/go-1.19/bin/go; installed with
#                    `apt-get install golang-1.19-go` when missing and we are root).
#                    Go >= 1.22 also works for the build but needs the ugorji patch
#                    (applied automatically); see README.md.
#   LEGACY_WITH_V118 set to 1 to also build hyperkube v1.1.8.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
patches="${here}/patches"

if [[ $# -ne 1 ]]; then
  echo "usage: $0 CACHE_DIR" >&2
  exit 2
fi
mkdir -p "$1"
cache="$(cd "$1" && pwd)"
bin="${cache}/bin"
logs="${cache}/logs"
mkdir -p "${bin}" "${logs}"

GO="${LEGACY_GO:-/usr/lib/go-1.19/bin/go}"
if [[ ! -x "${GO}" ]]; then
  if [[ "${GO}" == /usr/lib/go-1.19/bin/go && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "installing golang-1.19-go (Debian bookworm)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends golang-1.19-go gcc libc6-dev >/dev/null
  else
    echo "error: no Go toolchain at ${GO} (apt-get install golang-1.19-go, or set LEGACY_GO)" >&2
    exit 3
  fi
fi
if ! command -v gcc >/dev/null; then
  echo "error: gcc is needed (the kubelet's cAdvisor is compiled only with cgo)" >&2
  exit 3
fi

go_minor="$("${GO}" env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')"
export GOCACHE="${cache}/gocache-go1.${go_minor}"
export GOFLAGS=""

now() { date +%s; }
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

# module_dir PATH VERSION: directory of the module in the module cache (downloads it via the proxy).
module_dir() {
  local tmp dir
  tmp="$(mktemp -d)"
  dir="$(cd "${tmp}" && GO111MODULE=on GOFLAGS=-mod=mod "${GO}" mod download -json "$1@$2" |
    sed -n -E 's/^[[:space:]]*"Dir": "(.*)",?$/\1/p')"
  rm -rf "${tmp}"
  if [[ -z "${dir}" || ! -d "${dir}" ]]; then
    echo "error: could not download $1@$2 from the Go module proxy" >&2
    return 1
  fi
  printf '%s\n' "${dir}"
}

# prepare_tree MODULE VERSION GOPATH_DIR IMPORT_PATH PATCH...: copy the module into a GOPATH and patch it.
prepare_tree() {
  local module="$1" version="$2" gopath="$3" importpath="$4"
  shift 4
  local dest="${gopath}/src/${importpath}"
  if [[ -f "${dest}/.legacy-prepared" ]]; then
    return 0
  fi
  local src
  src="$(module_dir "${module}" "${version}")"
  rm -rf "${dest}"
  mkdir -p "$(dirname "${dest}")"
  cp -r "${src}" "${dest}"
  chmod -R u+w "${dest}"
  local p
  for p in "$@"; do
    log "patch ${importpath}: $(basename "${p}")"
    patch -s -p1 -d "${dest}" <"${p}"
  done
  # Since Go 1.11 a file named *_js.go is built only for GOOS=js: cAdvisor's vendored web UI
  # assets (pages/static/*_js.go) are silently dropped and the kubelet's cAdvisor fails with
  # "undefined: containersJs". Renaming them is the whole fix.
  local f
  for f in "${dest}"/Godeps/_workspace/src/github.com/google/cadvisor/pages/static/*_js.go; do
    [[ -e "${f}" ]] || continue
    log "rename $(basename "${f}") -> $(basename "${f%_js.go}")_js_asset.go (GOOS=js file-name constraint)"
    mv "${f}" "${f%_js.go}_js_asset.go"
  done
  touch "${dest}/.legacy-prepared"
}

# build_hyperkube VERSION PATCH...
build_hyperkube() {
  local version="$1"
  shift
  local out="${bin}/kubernetes-${version}/hyperkube"
  if [[ -x "${out}" ]]; then
    log "skip ${out} (exists)"
    return 0
  fi
  local gopath="${cache}/gopath-kubernetes-${version}"
  local patchlist=("$@")
  if ((go_minor >= 22)); then
    patchlist+=("${patches}/${version}-go1.22-ugorji-base64.patch")
  fi
  prepare_tree k8s.io/kubernetes "${version}" "${gopath}" k8s.io/kubernetes "${patchlist[@]}"
  local src="${gopath}/src/k8s.io/kubernetes"
  mkdir -p "${bin}/kubernetes-${version}"
  local t0
  t0="$(now)"
  log "build hyperkube ${version} with $("${GO}" env GOVERSION), cgo on (log: ${logs}/hyperkube-${version}.log)"
  # cgo: pkg/kubelet/cadvisor/cadvisor_linux.go is `+build cgo,linux`; without cgo the
  # kubelet fails with "cAdvisor is unsupported in this build" (upstream built hyperkube with cgo too).
  (cd "${src}" && GO111MODULE=off GOPATH="${src}/Godeps/_workspace:${gopath}" CGO_ENABLED=1 \
    "${GO}" build -o "${out}.tmp" \
    -ldflags "-X k8s.io/kubernetes/pkg/version.gitVersion=${version} -X k8s.io/kubernetes/pkg/version.gitTreeState=clean" \
    ./cmd/hyperkube) >"${logs}/hyperkube-${version}.log" 2>&1 || {
    tail -30 "${logs}/hyperkube-${version}.log" >&2
    return 1
  }
  mv "${out}.tmp" "${out}"
  log "built ${out} in $(($(now) - t0)) s, $(stat -c %s "${out}") bytes"
}

# build_commands VERSION CMD...: more commands of the tree build_hyperkube prepared, with the same
# GOPATH, cgo setting and build cache (so they mostly link what hyperkube compiled).
build_commands() {
  local version="$1"
  shift
  local gopath="${cache}/gopath-kubernetes-${version}"
  local src="${gopath}/src/k8s.io/kubernetes"
  local cmd name out t0
  for cmd in "$@"; do
    name="$(basename "${cmd}")"
    out="${bin}/kubernetes-${version}/${name}"
    if [[ -x "${out}" ]]; then
      log "skip ${out} (exists)"
      continue
    fi
    t0="$(now)"
    (cd "${src}" && GO111MODULE=off GOPATH="${src}/Godeps/_workspace:${gopath}" CGO_ENABLED=1 \
      "${GO}" build -o "${out}.tmp" \
      -ldflags "-X k8s.io/kubernetes/pkg/version.gitVersion=${version} -X k8s.io/kubernetes/pkg/version.gitTreeState=clean" \
      "./${cmd}") >"${logs}/${name}-${version}.log" 2>&1 || {
      tail -30 "${logs}/${name}-${version}.log" >&2
      return 1
    }
    mv "${out}.tmp" "${out}"
    log "built ${out} in $(($(now) - t0)) s"
  done
}

# The stand-ins (standard library only): GOPATH mode, no cgo.
build_stand_ins() {
  local name
  mkdir -p "${bin}/stand-ins"
  for name in skydns exechealthz; do
    if [[ -x "${bin}/stand-ins/${name}" ]]; then
      log "skip stand-in ${name} (exists)"
      continue
    fi
    (cd "${here}/stand-ins/${name}" && GO111MODULE=off GOPATH=/nonexistent CGO_ENABLED=0 \
      "${GO}" build -ldflags "-s" -o "${bin}/stand-ins/${name}.tmp" main.go)
    mv "${bin}/stand-ins/${name}.tmp" "${bin}/stand-ins/${name}"
    log "built stand-in ${bin}/stand-ins/${name}"
  done
}

build_etcd() {
  local version=v2.2.0
  local out="${bin}/etcd-${version}"
  if [[ -x "${out}/etcd" && -x "${out}/etcdctl" ]]; then
    log "skip etcd ${version} (exists)"
    return 0
  fi
  local gopath="${cache}/gopath-etcd-${version}"
  local patchlist=()
  if ((go_minor >= 22)); then
    patchlist+=("${patches}/etcd-${version}-go1.22-ugorji-base64.patch")
  fi
  prepare_tree github.com/coreos/etcd "${version}+incompatible" "${gopath}" github.com/coreos/etcd "${patchlist[@]}"
  local src="${gopath}/src/github.com/coreos/etcd"
  mkdir -p "${out}"
  local t0
  t0="$(now)"
  log "build etcd ${version} with $("${GO}" env GOVERSION) (log: ${logs}/etcd-${version}.log)"
  # etcd 2.x imports its Godeps with rewritten paths (github.com/coreos/etcd/Godeps/_workspace/...),
  # so the GOPATH is only the tree itself.
  (cd "${src}" && GO111MODULE=off GOPATH="${gopath}" CGO_ENABLED=0 \
    "${GO}" build -o "${out}/etcd.tmp" -ldflags "-s -X github.com/coreos/etcd/version.GitSHA=${version}" . &&
    GO111MODULE=off GOPATH="${gopath}" CGO_ENABLED=0 \
      "${GO}" build -o "${out}/etcdctl.tmp" -ldflags "-s" ./etcdctl) >"${logs}/etcd-${version}.log" 2>&1 || {
    tail -30 "${logs}/etcd-${version}.log" >&2
    return 1
  }
  mv "${out}/etcd.tmp" "${out}/etcd"
  mv "${out}/etcdctl.tmp" "${out}/etcdctl"
  log "built etcd ${version} in $(($(now) - t0)) s"
}

# The pause binary from the release's own build/pause/pause.go, static, and a `docker load`-able
# image tar tagged gcr.io/google_containers/pause:2.0 (the kubelet 1.2 default
# --pod-infra-container-image), made without docker and without a registry.
build_pause() {
  local src="${cache}/gopath-kubernetes-v1.2.7/src/k8s.io/kubernetes/build/pause"
  if [[ ! -x "${bin}/pause" ]]; then
    prepare_tree k8s.io/kubernetes v1.2.7 "${cache}/gopath-kubernetes-v1.2.7" k8s.io/kubernetes \
      "${patches}/v1.2.7-restclient-host-port.patch"
    (cd "${src}" && GO111MODULE=off GOPATH=/nonexistent CGO_ENABLED=0 \
      "${GO}" build -ldflags "-s" -o "${bin}/pause" pause.go)
    log "built ${bin}/pause"
  fi
  local image="${bin}/pause-2.0.docker.tar"
  if [[ -f "${image}" ]]; then
    log "skip ${image} (exists)"
    return 0
  fi
  local work
  work="$(mktemp -d)"
  local tarflags=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)
  cp "${bin}/pause" "${work}/pause"
  tar -C "${work}" "${tarflags[@]}" -cf "${work}/layer.tar" pause
  local diff_id
  diff_id="$(sha256sum "${work}/layer.tar" | cut -d' ' -f1)"
  mkdir -p "${work}/img/${diff_id}"
  mv "${work}/layer.tar" "${work}/img/${diff_id}/layer.tar"
  printf '%s' '{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Entrypoint":["/pause"]},"rootfs":{"type":"layers","diff_ids":["sha256:'"${diff_id}"'"]}}' >"${work}/config.json"
  local config_id
  config_id="$(sha256sum "${work}/config.json" | cut -d' ' -f1)"
  mv "${work}/config.json" "${work}/img/${config_id}.json"
  printf '%s' '[{"Config":"'"${config_id}"'.json","RepoTags":["gcr.io/google_containers/pause:2.0"],"Layers":["'"${diff_id}"'/layer.tar"]}]' >"${work}/img/manifest.json"
  tar -C "${work}/img" "${tarflags[@]}" -cf "${image}.tmp" .
  mv "${image}.tmp" "${image}"
  rm -rf "${work}"
  log "built ${image} (docker load -i ...)"
}

start="$(now)"
build_hyperkube v1.2.7 "${patches}/v1.2.7-restclient-host-port.patch"
build_commands v1.2.7 cmd/kubelet cmd/kube-proxy cmd/kubectl cluster/addons/dns/kube2sky
build_etcd
build_pause
build_stand_ins
if [[ "${LEGACY_WITH_V118:-0}" == 1 ]]; then
  build_hyperkube v1.1.8 "${patches}/v1.1.8-client-host-port.patch"
fi
log "done in $(($(now) - start)) s; binaries in ${bin}:"
find "${bin}" -type f -exec ls -l {} +
