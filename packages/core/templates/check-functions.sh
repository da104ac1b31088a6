PASSED=0
FAILED=0
# check DESCRIPTION COMMAND...: "ok" or "FAIL" with the last lines the command printed.
check() {
  local description=$1 output
  shift
  if output=$("$@" 2>&1); then
    printf 'ok   %s\n' "$description"
    PASSED=$((PASSED + 1))
  else
    printf 'FAIL %s\n' "$description"
    FAILED=$((FAILED + 1))
    if [[ -n $output ]]; then
      printf '%s\n' "$output" | tail -n 8 | sed 's/^/       /'
    fi
  fi
}
skip() {
  printf 'skip %s\n' "$1"
}
summary() {
  printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
}
