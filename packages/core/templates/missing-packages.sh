missing_packages() {
  local package status
  for package in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) || status=""
    [[ $status == "install ok installed" ]] || printf '%s\n' "$package"
  done
}