package_source_answers() {
  local uri host port tried=""
  while read -r uri; do
    case $uri in
      file:* | cdrom:*)
        printf '%s\n' "$uri"
        return 0
        ;;
      http://* | https://*)
        host=${uri#*://}
        host=${host%%/*}
        host=${host##*@}
        port=80
        [[ $uri == https://* ]] && port=443
        if [[ $host == \[* ]]; then
          [[ $host == *\]:* ]] && port=${host##*\]:}
          host=${host#\[}
          host=${host%%\]*}
        elif [[ $host == *:* ]]; then
          port=${host##*:}
          host=${host%%:*}
        fi
        [[ " $tried " != *" $host:$port "* ]] || continue
        # shellcheck disable=SC2016 # $1 and $2 are the inner shell's arguments
        if timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null; then
          printf '%s\n' "$host:$port"
          return 0
        fi
        tried="$tried $host:$port"
        ;;
    esac
  done < <(
    sed -n -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
      /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
    sed -n -E 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n'
  )
  if [[ -n $tried ]]; then
    printf '%s did not answer within 3 seconds\n' "${tried# }"
  else
    printf 'no apt source is configured\n'
  fi
  return 1
}