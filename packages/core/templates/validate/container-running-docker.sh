container_running() {
  local listing
  listing=$(docker ps) || return 1
  grep -- "$1" <<<"$listing" || {
    printf 'no running container matches %s in "docker ps"\n' "$1"
    return 1
  }
}
