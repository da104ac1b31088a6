says_ok() {
  local body
  body=$("${CURL[@]}" "$1") || return 1
  [[ $body == ok ]] || {
    printf 'answered %s, not ok\n' "${body:0:300}"
    return 1
  }
}
lists_versions() {
  local body
  body=$("${KUBECTL[@]}" --server "$APISERVER" get --raw /api) || return 1
  [[ $body == *'"versions"'* ]] || {
    printf 'answered %s, without "versions"\n' "${body:0:300}"
    return 1
  }
}
