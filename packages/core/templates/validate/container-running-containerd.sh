container_running() {
  local ids
  ids=$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps --name "$1" -q) || return 1
  [[ -n $ids ]] || {
    printf 'no running container named %s in "crictl ps"\n' "$1"
    return 1
  }
}
