kubelet_healthy() {
  local body
  body=$(curl -fsS --max-time 10 http://127.0.0.1:10248/healthz) || return 1
  [[ $body == ok ]] || {
    printf 'answered %s, not ok\n' "${body:0:300}"
    return 1
  }
}
