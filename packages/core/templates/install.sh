
usage() {
  cat <<'USAGE'
Usage: install.sh [--dry-run] [--root DIR]

Checks this bundle against SHA256SUMS and the node against what its daemons need, places every file
at its install path (a file that differs is kept as <path>.kubescratch-backup, never lost), then runs
the network scripts, reloads systemd and enables and (re)starts the node's services in order.
Running it again changes nothing that is already in place.

  --dry-run   change nothing: run the checks and show what would be created, changed (with a diff,
              except for secrets) and left alone
  --root DIR  install the files under DIR instead of /: no node checks, no network scripts, no systemctl
  -h, --help  this text

Exit status: 0 done, 1 a check failed, 2 usage error.
USAGE
}

die_usage() {
  printf 'install.sh: %s\n' "$1" >&2
  usage >&2
  exit 2
}

DRY_RUN=0
ROOT=""
ROOT_GIVEN=0
while (($# > 0)); do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --root)
      (($# >= 2)) || die_usage "--root needs a directory"
      ROOT=$2
      ROOT_GIVEN=1
      shift
      ;;
    --root=*)
      ROOT=${1#--root=}
      ROOT_GIVEN=1
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *) die_usage "unknown option: $1" ;;
  esac
  shift
done
if ((ROOT_GIVEN)); then
  [[ -n $ROOT && -d $ROOT ]] || die_usage "--root $ROOT: not a directory"
  ROOT=$(cd -- "$ROOT" && pwd -P)
  [[ $ROOT != / ]] || die_usage "--root / is the real root: run without --root to install for real"
fi

# Everything below reads the bundle from the directory this script is in.
BUNDLE_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
cd -- "$BUNDLE_DIR"

say() { printf '%s\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; }

# 1. The bundle is whole and unmodified: nothing is installed from a damaged or edited bundle.
verify_bundle() {
  local report name i
  local -A summed=()
  if ! command -v sha256sum >/dev/null; then
    fail "sha256sum not found (install coreutils): cannot verify the bundle, nothing was installed"
    exit 1
  fi
  if [[ ! -f SHA256SUMS ]]; then
    fail "$BUNDLE_DIR/SHA256SUMS is missing: unpack the whole bundle again; nothing was installed"
    exit 1
  fi
  if ! report=$(sha256sum -c --quiet SHA256SUMS 2>&1); then
    fail "the bundle in $BUNDLE_DIR is damaged or was modified; nothing was installed. Wrong files:"
    printf '%s\n' "$report" | sed 's/^/  /' >&2
    fail "unpack the bundle again from $NODE_NAME.tar.gz (or regenerate it)"
    exit 1
  fi
  while read -r _ name; do
    summed[$name]=1
  done <SHA256SUMS
  for ((i = 0; i < ${#FILES[@]}; i += 4)); do
    name=${FILES[i]#/}
    if [[ -z ${summed[$name]:-} ]]; then
      fail "$name is not listed in SHA256SUMS: the bundle is incomplete; nothing was installed"
      exit 1
    fi
  done
}

# 2. The tools this script itself uses.
require_tools() {
  local tool missing=()
  for tool in cmp diff mktemp stat sed timeout; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    fail "missing tools: ${missing[*]} (install coreutils, diffutils and sed); nothing was installed"
    exit 1
  fi
}

# 3. The node: every problem is listed with its fix.
PROBLEMS=()
problem() {
  PROBLEMS+=("$1" "$2")
}

check_platform() {
  local kernel machine
  kernel=$(uname -s)
  machine=$(uname -m)
  [[ $kernel == Linux ]] ||
    problem "this is $kernel, not Linux" "run this bundle on an x86_64 Linux node"
  [[ $machine == x86_64 ]] ||
    problem "this machine is $machine, not x86_64" "use an x86_64 node: the bundle's binaries are linux-amd64"
}

check_root_user() {
  ((EUID == 0)) || problem "install.sh runs as user $(id -un), not root" "run it with sudo (or --dry-run to only look)"
}

check_systemd() {
  local minimum=$1 output version
  if ! command -v systemctl >/dev/null; then
    problem "systemctl not found: the node's daemons are systemd units" "use a Linux distribution with systemd"
    return
  fi
  if [[ ! -d /run/systemd/system ]]; then
    problem "systemd is not running as the init system (no /run/systemd/system)" "boot the node with systemd"
  fi
  output=$(systemctl --version 2>&1) || output=""
  if [[ $output =~ ^systemd\ ([0-9]+) ]]; then
    version=${BASH_REMATCH[1]}
    if ((minimum > 0 && version < minimum)); then
      problem "systemd is version $version, older than $minimum" "upgrade systemd to $minimum or later"
    fi
  else
    problem "'systemctl --version' does not report a systemd version" "check the systemd installation"
  fi
}

check_binary() {
  local path=$1 expect=$2 fix=$3 output
  shift 3
  if [[ ! -e $path ]]; then
    problem "$path is missing" "$fix"
    return
  fi
  if [[ ! -f $path || ! -x $path ]]; then
    problem "$path is not an executable file" "chmod 0755 $path, or $fix"
    return
  fi
  if ! output=$(timeout 30 "$path" "$@" 2>&1 </dev/null); then
    problem "'$path $*' failed: ${output:0:300}" "$fix"
    return
  fi
  [[ $output == *"$expect"* ]] ||
    problem "$path reports '${output%%$'\n'*}', not $expect" "$fix"
}

check_swap_off() {
  local devices
  devices=$(tail -n +2 /proc/swaps 2>/dev/null | wc -l) || devices=0
  ((devices == 0)) ||
    problem "swap is on ($devices device(s) in /proc/swaps): the kubelet refuses to start with swap (failSwapOn)" \
      "swapoff -a, and remove the swap entries from /etc/fstab (or the swap unit) so it stays off after a reboot"
}

check_cgroup_v2() {
  local type
  type=$(stat -fc %T /sys/fs/cgroup 2>/dev/null) || type=unknown
  [[ $type == cgroup2fs ]] ||
    problem "/sys/fs/cgroup is $type, not cgroup v2: this kubelet refuses cgroup v1 (failCgroupV1)" \
      "boot the node with cgroup v2 only (systemd.unified_cgroup_hierarchy=1 on the kernel command line), the default of every current distribution"
}

# The first version number the binary prints (1.6.20 of "containerd ... 1.6.20~ds1 ...", 2.1.0 of
# "... v2.1.0 ...") must be at least the minimum.
check_version_at_least() {
  local path=$1 minimum=$2 fix=$3 output version
  shift 3
  [[ -f $path && -x $path ]] || return 0 # check_binary names it
  output=$(timeout 30 "$path" "$@" 2>&1 </dev/null) || return 0
  if [[ ! $output =~ [[:space:]]v?([0-9]+\.[0-9]+(\.[0-9]+)?) ]]; then
    problem "$path does not say its version ('${output%%$'\n'*}')" "$fix"
    return
  fi
  version=${BASH_REMATCH[1]}
  if [[ $(printf '%s\n%s\n' "$minimum" "$version" | sort -V | head -n 1) != "$minimum" ]]; then
    problem "$path is version $version; this bundle's configuration needs $minimum or later" "$fix"
  fi
}

check_node_ip() {
  local address=$1 output
  if ! command -v ip >/dev/null; then
    problem "the ip command is missing: cannot see the node's addresses" "install iproute2"
    return
  fi
  output=$(ip -o addr show 2>&1) || output=""
  [[ $output == *" $address/"* ]] ||
    problem "no interface of this machine has $NODE_NAME's address $address" \
      "configure $address on this node, or correct node $NODE_NAME's ip in the cluster spec and regenerate"
}

# keepalived adds the endpoint's virtual IP on the interface the spec names, next to the node's address.
check_vip_interface() {
  local interface=$1 address=$2 output
  command -v ip >/dev/null || return 0 # check_node_ip names it
  if ! output=$(ip -o addr show dev "$interface" 2>&1); then
    problem "there is no network interface $interface (controlPlane.endpoint.interface) on this node: keepalived could not hold the endpoint's virtual IP"       "set controlPlane.endpoint.interface to the interface that carries $address ('ip -o addr show to $address' names it) and regenerate"
    return
  fi
  [[ $output == *" $address/"* ]] ||
    problem "interface $interface (controlPlane.endpoint.interface) does not carry $NODE_NAME's address $address: keepalived would speak VRRP and hold the virtual IP on another network"       "set controlPlane.endpoint.interface to the interface that carries $address ('ip -o addr show to $address' names it) and regenerate"
}

report_problems() {
  local i
  fail "$((${#PROBLEMS[@]} / 2)) preflight problem(s):"
  for ((i = 0; i < ${#PROBLEMS[@]}; i += 2)); do
    printf '  FAIL %s\n       fix: %s\n' "${PROBLEMS[i]}" "${PROBLEMS[i + 1]}" >&2
  done
}

# What will not stop the install but leaves the node short of something: shown, never fatal.
NOTES=()
note() {
  NOTES+=("$1" "$2")
}

report_notes() {
  local i
  for ((i = 0; i < ${#NOTES[@]}; i += 2)); do
    printf '  NOTE %s\n       later: %s\n' "${NOTES[i]}" "${NOTES[i + 1]}"
  done
}

# The name servers pods with the Default DNS policy get (CoreDNS forwards to them): where
# systemd-resolved runs, /etc/resolv.conf names its stub 127.0.0.53 and the upstream list is in
# /run/systemd/resolve/resolv.conf, which kubeadm picks too.
resolv_conf_source() {
  if [[ -f /run/systemd/resolve/resolv.conf ]] && systemctl is-active --quiet systemd-resolved 2>/dev/null; then
    printf '%s\n' /run/systemd/resolve/resolv.conf
  else
    printf '%s\n' /etc/resolv.conf
  fi
}

check_resolv_conf() {
  local file=$1 servers
  if [[ ! -f $file ]]; then
    problem "$file does not exist: the kubelet hands its name servers to pods" \
      "create it, or set kubelet.resolvConf in the cluster spec to the file that lists this node's upstream name servers, and regenerate"
    return
  fi
  servers=$(sed -n -E 's/^[[:space:]]*nameserver[[:space:]]+([^[:space:]]+).*/\1/p' "$file")
  if [[ -z $servers ]]; then
    problem "$file names no name server: pods and CoreDNS could resolve nothing outside the cluster" \
      "list this node's upstream name servers in $file, or set kubelet.resolvConf to a file that does"
  elif ! grep -qvE '^(127\.|::1$)' <<<"$servers"; then
    problem "$file names only loopback name servers ($(tr '\n' ' ' <<<"$servers")): CoreDNS would forward queries to itself and exit (Loop detected)" \
      "set kubelet.resolvConf in the cluster spec to a file that lists the real upstream servers (with systemd-resolved: /run/systemd/resolve/resolv.conf) and regenerate"
  fi
}

link_resolv_conf() {
  local link=$1 target current
  target=/etc/resolv.conf
  ((ROOT_GIVEN)) || target=$(resolv_conf_source)
  current=$(readlink -- "$ROOT$link" 2>/dev/null) || current=""
  if [[ $current == "$target" ]]; then
    say "unchanged     $link -> $target"
    return
  fi
  if [[ -e $ROOT$link && ! -L $ROOT$link ]]; then
    fail "$link exists and is not a link; move it away, then run install.sh again"
    ERRORS=$((ERRORS + 1))
    return
  fi
  if ((DRY_RUN)); then
    say "would link    $link -> $target"
  else
    mkdir -p -- "$(dirname -- "$ROOT$link")"
    ln -sfn -- "$target" "$ROOT$link"
    say "linked        $link -> $target"
  fi
}

check_command() {
  local name=$1 used_by=$2 fix=$3
  command -v "$name" >/dev/null || problem "the $name command is missing; $used_by runs it" "$fix"
}

# The plugins the runtime runs for every pod must be where its configuration says; a distribution's
# own packages often put them elsewhere (Debian: /usr/lib/cni).
check_cni_plugins() {
  local directory=$1 plugin other found="" missing=()
  shift
  for plugin in "$@"; do
    [[ -x $directory/$plugin ]] || missing+=("$plugin")
  done
  ((${#missing[@]} > 0)) || return 0
  for other in /opt/cni/bin /usr/lib/cni /usr/libexec/cni; do
    if [[ $other != "$directory" && -x $other/${missing[0]} ]]; then
      found=$other
      break
    fi
  done
  if [[ -n $found ]]; then
    problem "the CNI plugins ${missing[*]} are not in $directory, where this bundle's runtime looks, but in $found" \
      "set runtime.cniBinDir: $found in the cluster spec and regenerate, or install the CNI plugins into $directory"
  else
    problem "the CNI plugins ${missing[*]} are not in $directory, where this bundle's runtime looks" \
      "install the CNI plugins (github.com/containernetworking/plugins releases) into $directory; with Debian's containernetworking-plugins package set runtime.cniBinDir: /usr/lib/cni and regenerate"
  fi
}

# Hygiene packages never stop the install (they are installed after the services start), but a node
# that lacks them and cannot fetch them is told so before anything changes.
check_hygiene_packages() {
  local install=$1 source missing=()
  shift
  if ! command -v dpkg-query >/dev/null; then
    note "the hygiene packages ($*) cannot be checked: dpkg-query is missing (not a Debian-family node)" \
      "install $* with this node's package manager"
    return 0
  fi
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]} > 0)) || return 0
  if ((!install)); then
    note "hygiene packages not installed: ${missing[*]} (hygiene.installPackages is false: nothing is downloaded)" \
      "apt-get install ${missing[*]} from your own package source; the node's services start without them"
  elif ! source=$(package_source_answers); then
    note "hygiene packages not installed: ${missing[*]}, and no package source answers ($source)" \
      "the node's services start without them; apt-get install ${missing[*]} once a source answers, or set hygiene.installPackages: false"
  else
    say "hygiene: ${missing[*]} will be installed from $source after the services start"
  fi
}

# 4. The files. A temporary file in the target's own folder, then mv: a reader sees the old file or
# the new one, never half of one. Temporary names start with a dot (the kubelet skips those).
TMP_FILE=""
cleanup() {
  if [[ -n $TMP_FILE ]]; then
    rm -f -- "$TMP_FILE"
  fi
}
trap cleanup EXIT

write_file() {
  local source=$1 target=$2 mode=$3 directory
  directory=$(dirname -- "$target")
  mkdir -p -- "$directory"
  TMP_FILE=$(mktemp -- "$directory/.${target##*/}.kubescratch-XXXXXX")
  cat -- "$source" >"$TMP_FILE"
  chmod -- "$mode" "$TMP_FILE"
  if ((EUID == 0)); then
    chown -- root:root "$TMP_FILE"
  fi
  mv -f -- "$TMP_FILE" "$target"
  TMP_FILE=""
}

# The first free name among <backup>, <backup>.1, <backup>.2, ...: an older backup is never overwritten.
free_backup() {
  local base=$1 candidate=$1 n=0
  while [[ -e $ROOT$candidate || -L $ROOT$candidate ]]; do
    n=$((n + 1))
    candidate=$base.$n
  done
  printf '%s\n' "$candidate"
}

mode_of() {
  local bits
  bits=$(stat -L -c %a -- "$1")
  printf '%04o\n' "$((8#$bits))"
}

owner_ok() {
  ((EUID != 0)) || [[ $(stat -L -c %u:%g -- "$1") == 0:0 ]]
}

CREATED=0
CHANGED=0
UNCHANGED=0
FIXED=0
ERRORS=0

place() {
  local path=$1 mode=$2 secret=$3 backup=$4
  local source=${path#/} target=$ROOT$path current what same=0
  if [[ -d $target ]]; then
    fail "$path is a directory on this node; move it away, then run install.sh again"
    ERRORS=$((ERRORS + 1))
    return
  fi
  if [[ ! -e $target && ! -L $target ]]; then
    CREATED=$((CREATED + 1))
    if ((DRY_RUN)); then
      say "would create  $path ($mode)"
    else
      write_file "$source" "$target" "$mode"
      say "created       $path ($mode)"
    fi
    return
  fi
  cmp -s -- "$source" "$target" || same=$?
  if ((same > 1)); then
    fail "cannot read $path to compare it (run as root)"
    ERRORS=$((ERRORS + 1))
    return
  fi
  if ((same == 0)); then
    current=$(mode_of "$target")
    if [[ $current == "$mode" ]] && owner_ok "$target"; then
      UNCHANGED=$((UNCHANGED + 1))
      say "unchanged     $path"
      return
    fi
    FIXED=$((FIXED + 1))
    what="mode $current -> $mode"
    owner_ok "$target" || what="$what, owner -> root:root"
    if ((DRY_RUN)); then
      say "would fix     $path ($what)"
    else
      chmod -- "$mode" "$target"
      if ((EUID == 0)); then
        chown -- root:root "$target"
      fi
      say "fixed         $path ($what)"
    fi
    return
  fi
  CHANGED=$((CHANGED + 1))
  backup=$(free_backup "$backup")
  if ((DRY_RUN)); then
    if [[ $secret == secret ]]; then
      say "would change  $path (secret; diff not shown) (backup: $backup)"
    else
      say "would change  $path (backup: $backup)"
      diff -u --label "$path (installed)" --label "$path (bundle)" -- "$target" "$source" || true
    fi
    return
  fi
  cp -p -- "$target" "$ROOT$backup"
  write_file "$source" "$target" "$mode"
  say "changed       $path (backup: $backup)"
}

# Folders a service watches even when empty: a missing one is an error in its log every few seconds.
make_directories() {
  local directory
  for directory in "${DIRECTORIES[@]}"; do
    [[ ! -d $ROOT$directory ]] || continue
    if ((DRY_RUN)); then
      say "would create  $directory/"
    else
      mkdir -p -- "$ROOT$directory"
      say "created       $directory/"
    fi
  done
}

# 5. The services.
# Set while an install is under way: a run that stopped after changing files leaves it, and the next
# run restarts every unit even though its files are already in place.
PENDING=/var/lib/kubescratch/install-pending
WAS_PENDING=0

stopped_at() {
  fail "stopped at: $1"
  fail "the files are in place (replaced ones kept as *.kubescratch-backup); fix the cause, then run install.sh again: it restarts every unit and finishes the job"
  exit 1
}

# A unit that starts and then exits (a bad flag, a missing file) is found here, named, with its log.
UNIT_SETTLE_SECONDS=8
settle_units() {
  local i unit state restarts before=("$@") waited
  for ((waited = 0; waited < UNIT_SETTLE_SECONDS; waited++)); do
    sleep 1
    for ((i = 0; i < ${#UNITS[@]}; i++)); do
      unit=${UNITS[i]}
      state=$(systemctl show -p ActiveState --value "$unit" 2>/dev/null) || state=unknown
      restarts=$(systemctl show -p NRestarts --value "$unit" 2>/dev/null) || restarts=""
      if [[ $state != active ]] || [[ ${restarts:-0} != "${before[i]:-0}" ]]; then
        fail "$unit does not stay running (state $state, restarted $((${restarts:-0} - ${before[i]:-0})) time(s)); its last log lines:"
        journalctl -u "$unit" -n 12 --no-pager 2>&1 | sed 's/^/  /' >&2 || true
        stopped_at "$unit (systemctl status $unit; journalctl -u $unit)"
      fi
    done
  done
}

start_services() {
  local i script unit verb=start restarts=()
  for ((i = 0; i < ${#NETWORK_SCRIPTS[@]}; i++)); do
    script=${NETWORK_SCRIPTS[i]}
    say "running       $script"
    if ! "$script"; then
      fail "$script failed (see its output above)"
      stopped_at "the network script $script"
    fi
  done
  if ((${#UNITS[@]} > 0)); then
    say "reloading     systemd"
    systemctl daemon-reload || stopped_at "systemctl daemon-reload"
    # A changed file may be any unit's configuration: restart them all. Nothing changed: start is a
    # no-op for running units, so a second run disturbs nothing.
    if ((CREATED + CHANGED + FIXED > 0 || WAS_PENDING)); then
      verb=restart
    fi
    for ((i = 0; i < ${#UNITS[@]}; i++)); do
      unit=${UNITS[i]}
      say "$verb       $unit"
      if ! systemctl enable --quiet "$unit" || ! systemctl "$verb" "$unit"; then
        fail "$unit did not $verb; see: systemctl status $unit; journalctl -u $unit"
        stopped_at "$verb $unit"
      fi
      # Counted from here: a (re)start by hand sets the count of automatic restarts back to 0.
      restarts+=("$(systemctl show -p NRestarts --value "$unit" 2>/dev/null || true)")
    done
    say "checking      every unit stays running (${UNIT_SETTLE_SECONDS} s)"
    settle_units "${restarts[@]}"
  fi
  rm -f -- "$PENDING"
  if [[ -n $HYGIENE_SCRIPT ]]; then
    say "running       $HYGIENE_SCRIPT (the services already run)"
    if ! "$HYGIENE_SCRIPT"; then
      NOTES+=("not every hygiene package was installed (its report is above)" "sudo $HYGIENE_SCRIPT")
    fi
  fi
}

main() {
  local i
  verify_bundle
  require_tools
  if ((ROOT_GIVEN)); then
    say "installing node $NODE_NAME's files under $ROOT (no node checks, no network scripts, no systemctl)"
  else
    preflight
    ((DRY_RUN)) || check_root_user
    report_notes
    if ((${#PROBLEMS[@]} > 0)); then
      report_problems
      if ((!DRY_RUN)); then
        fail "nothing was installed"
        exit 1
      fi
    fi
    say "node $NODE_NAME (Kubernetes $KUBERNETES_VERSION)"
    if [[ -e $PENDING ]]; then
      WAS_PENDING=1
      say "an earlier install.sh stopped before it finished ($(cat -- "$PENDING" 2>/dev/null)): every unit is restarted"
    fi
    if ((!DRY_RUN)); then
      mkdir -p -- "$(dirname -- "$PENDING")"
      printf 'install.sh of %s started %s\n' "$NODE_NAME" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$PENDING"
    fi
  fi
  if ((DRY_RUN)); then
    say "dry run: nothing will be changed"
  fi
  for ((i = 0; i < ${#FILES[@]}; i += 4)); do
    place "${FILES[i]}" "${FILES[i + 1]}" "${FILES[i + 2]}" "${FILES[i + 3]}"
  done
  make_directories
  if [[ -n $RESOLV_CONF_LINK ]]; then
    link_resolv_conf "$RESOLV_CONF_LINK"
  fi
  if ((DRY_RUN)); then
    say "dry run: $CREATED to create, $CHANGED to change, $FIXED to fix, $UNCHANGED unchanged; nothing was changed"
  else
    say "$CREATED created, $CHANGED changed, $FIXED fixed, $UNCHANGED unchanged"
  fi
  if ((ERRORS > 0)); then
    fail "$ERRORS file(s) could not be placed"
    exit 1
  fi
  if ((DRY_RUN)); then
    if ((${#PROBLEMS[@]} > 0)); then
      exit 1
    fi
    exit 0
  fi
  if ((!ROOT_GIVEN)); then
    start_services
    if ((${#NOTES[@]} > 0)); then
      say "done, with $((${#NOTES[@]} / 2)) note(s) for later:"
      report_notes
    else
      say "done"
    fi
    say "run ./validate.sh to check node $NODE_NAME"
  fi
}

main
