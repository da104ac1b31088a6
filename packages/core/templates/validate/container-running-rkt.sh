container_running() {
  local listing
  listing=$(rkt list) || return 1
  grep -- "$1" <<<"$listing" || {
    printf 'no running app matches %s in "rkt list"\n' "$1"
    return 1
  }
}
