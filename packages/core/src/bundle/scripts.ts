// The shell scripts inside the bundles: install.sh and validate.sh for every node; validate-cluster.sh,
// the nginx example and the README for the admin. Pure functions from facts to script text: every
// decision (which checks, which values, where backups go) is made here in TypeScript; the bash that
// comes out only carries the values and does what it is told. Values reach bash single-quoted, so a
// path or a name can never be read as code.
import { shellQuote } from "../render/quote.js";
import { toYaml } from "../render/yaml.js";
import { CHECK_IMAGES, MANIFEST_DIR } from "../components/context.js";
import { templateText } from "../render/template.js";

export interface InstallScriptInput {
  readonly nodeName: string;
  readonly nodeIp: string;
  /** e.g. "1.34.8" or "1.2.7" */
  readonly kubernetesVersion: string;
  /** Every artifact of the node, at its absolute install path. */
  readonly files: readonly { path: string; mode: number; secret: boolean }[];
  /** Absolute paths of scripts (among `files`) to run once the files are in place. */
  readonly networkScripts: readonly string[];
  /** Unit names in start order, e.g. ["containerd.service", "kubelet.service", "kube-proxy.service"]. */
  readonly units: readonly string[];
  /** Preflight: the binary exists, is executable, and `path versionArgs...` prints `expect`. */
  readonly binaries: readonly {
    path: string;
    versionArgs: readonly string[];
    expect: string;
    fix: string;
    /** The oldest version (x.y or x.y.z) that reads the bundle's configuration, e.g. containerd's. */
    minimum?: string;
  }[];
  /** The oldest systemd the node may run, e.g. 215 with rkt (S17). */
  readonly systemdMinimum?: number;
  /** The hygiene packages script (among `files`), run once the units run; its failure is reported, never fatal. */
  readonly hygieneScript?: string;
  /** Preflight: the hygiene packages, and whether install.sh may fetch them (hygiene.installPackages). */
  readonly hygienePackages?: { readonly names: readonly string[]; readonly install: boolean };
  /** Preflight: the kubelet refuses to start while swap is on (failSwapOn, true by default since 1.8). */
  readonly swapOff?: boolean;
  /** Preflight: the kubelet refuses cgroup v1 (failCgroupV1 true, the default since 1.35). */
  readonly cgroupV2?: boolean;
  /** Preflight: the CNI plugins the node's runtime runs, and the folder it looks in (runtime.cniBinDir). */
  readonly cniPlugins?: { readonly directory: string; readonly names: readonly string[] };
  /** Preflight: commands a service runs itself (e.g. brctl for the kubelet's cbr0), with their fix. */
  readonly commands?: readonly { readonly name: string; readonly usedBy: string; readonly fix: string }[];
  /** Preflight: keepalived holds the endpoint's virtual IP on this interface, which carries the node's address. */
  readonly vipInterface?: string;
  /** Folders a service reads even when the bundle puts nothing there (the kubelet's static pod folder). */
  readonly directories?: readonly string[];
  /**
   * The kubelet's resolv.conf: a link install.sh points at the node's upstream list (systemd-resolved's
   * where it runs), or a file the spec names. Either must name a server other than loopback.
   */
  readonly resolvConf?: { readonly path: string; readonly link: boolean };
}

export interface ValidateScriptInput {
  readonly nodeName: string;
  /** "control-plane" | "etcd" | "worker" */
  readonly roles: readonly string[];
  readonly runtime: "docker" | "rkt" | "containerd";
  /** The runtime's unit the kubelet requires, e.g. "docker.service" or "rkt-api.service". */
  readonly runtimeUnit: string;
  /** "http://127.0.0.1:8080" (the seed's insecure port) or "https://<node IP>:6443" (current). */
  readonly apiserverLocalUrl: string;
  /** A kubeconfig on the node for the checks that need credentials, e.g. /var/lib/kubelet/kubeconfig. */
  readonly kubeconfig?: string;
  /** The CA that signed the apiserver's serving certificate, for https health checks. */
  readonly caFile?: string;
  /** The highly available endpoint every client names (controlPlane.endpoint), e.g. https://192.168.50.10:8443. */
  readonly endpointUrl?: string;
  /** The node's other services, e.g. the endpoint's load balancer on control-plane nodes. */
  readonly otherUnits?: readonly string[];
}

export interface ValidateClusterScriptInput {
  readonly clusterName: string;
  readonly nodeNames: readonly string[];
  readonly dnsServiceIp: string;
  readonly clusterDomain: string;
  /** The admin kubeconfig: relative to the admin bundle (next to the script) or absolute. */
  readonly kubeconfigFile: string;
  /**
   * The cluster's Kubernetes version (default: current). The kubectl of 1.1 and 1.2 has no
   * `get --raw` (health comes from componentstatuses), and 1.1 has no Deployment by default (the
   * nginx example is a ReplicationController, counted by its running pods).
   */
  readonly kubernetesVersion?: string;
}

export interface AdminReadmeInput {
  readonly clusterName: string;
  /** The admin kubeconfig inside the admin bundle, e.g. "kubeconfigs/admin.kubeconfig". */
  readonly kubeconfigFile?: string;
  readonly kubernetesVersion: string;
  readonly nodes: readonly { name: string; roles: readonly string[]; ip: string }[];
  readonly dnsEnabled: boolean;
  /**
   * Firewall-only mode: the apiserver's plain-HTTP port answers only the nodes and the pods (S11),
   * so kubectl runs on a node; this names the node to use.
   */
  readonly kubectlOnNode?: string;
}

/** The namespace validate-cluster.sh creates for its checks, and deletes afterwards. */
export const CHECK_NAMESPACE = "kubescratch-check";

/** The label that marks the check namespace as kubescratch's own (never delete a namespace without it). */
const CHECK_LABEL = "app.kubernetes.io/managed-by";
const CHECK_LABEL_VALUE = "kubescratch";
/** The suffix of the copy install.sh keeps of a file it replaces. */
export const BACKUP_SUFFIX = ".kubescratch-backup";
/** Files the bundle itself holds at its top level: no artifact may land on them. */
const BUNDLE_OWN_FILES = new Set(["install.sh", "validate.sh", "MANIFEST.json", "SHA256SUMS"]);

// ---------------------------------------------------------------------------------------------
// Small helpers (quoting: render/quote.ts)

export { shellQuote };

function lines(...parts: readonly (string | readonly string[])[]): string {
  return `${parts.flat().join("\n")}\n`;
}

/** A bash array assignment, one element (or row of elements) per line. */
function bashArray(name: string, rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return [`${name}=()`];
  return [`${name}=(`, ...rows.map((row) => `  ${row.map(shellQuote).join(" ")}`), ")"];
}

function octalMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

function noControlCharacters(what: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new Error(`${what} ${JSON.stringify(value)} has a control character`);
}

function checkAbsolutePath(what: string, path: string): void {
  noControlCharacters(what, path);
  // sha256sum escapes a name with a backslash, so SHA256SUMS would not list it as written.
  if (path.includes("\\")) throw new Error(`${what} ${JSON.stringify(path)} has a backslash`);
  if (!path.startsWith("/") || path.endsWith("/") || path.length < 2) {
    throw new Error(`${what} ${JSON.stringify(path)} is not an absolute file path`);
  }
  const segments = path.slice(1).split("/");
  if (segments.some((segment) => segment === "" || segment === "." || segment === "..")) {
    throw new Error(`${what} ${JSON.stringify(path)} has an empty, "." or ".." component`);
  }
}

/**
 * Where install.sh keeps the old content of a file it replaces: `<path>.kubescratch-backup` (then .1,
 * .2, ...). In the kubelet's static-pod folder every file is a pod, so there the backup is a hidden
 * file (`.<name>.kubescratch-backup`), which the kubelet skips: a backup of the apiserver's manifest
 * must not start a second apiserver.
 */
export function backupPath(path: string): string {
  const slash = path.lastIndexOf("/");
  const directory = path.slice(0, slash);
  if (directory === MANIFEST_DIR) return `${directory}/.${path.slice(slash + 1)}${BACKUP_SUFFIX}`;
  return `${path}${BACKUP_SUFFIX}`;
}

function minorOf(version: string): number | undefined {
  const match = /^v?1\.(\d+)(?:\.|$)/.exec(version);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

// ---------------------------------------------------------------------------------------------
// install.sh

// The part of install.sh that does not depend on the node. Variables it expects from the generated
// head: NODE_NAME, KUBERNETES_VERSION, FILES (rows of path, mode, secret|plain, backup name),
// NETWORK_SCRIPTS, UNITS, and the function preflight.

/** install.sh for one node: verifies the bundle, checks the node, places the files, starts the units. */
export function installScript(input: InstallScriptInput): string {
  noControlCharacters("node name", input.nodeName);
  noControlCharacters("node IP", input.nodeIp);
  noControlCharacters("Kubernetes version", input.kubernetesVersion);
  const seen = new Set<string>();
  for (const file of input.files) {
    checkAbsolutePath("install path", file.path);
    if (seen.has(file.path)) throw new Error(`install path ${file.path} appears twice`);
    seen.add(file.path);
    if (BUNDLE_OWN_FILES.has(file.path.slice(1))) {
      throw new Error(`install path ${file.path} would collide with the bundle's own ${file.path.slice(1)}`);
    }
    if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o7777) {
      throw new Error(`mode ${file.mode} of ${file.path} is not a permission mode`);
    }
  }
  for (const script of input.networkScripts) {
    if (!seen.has(script)) throw new Error(`network script ${script} is not one of the node's files`);
  }
  if (input.hygieneScript !== undefined && !seen.has(input.hygieneScript))
    throw new Error(`hygiene script ${input.hygieneScript} is not one of the node's files`);
  if (input.cniPlugins) checkAbsolutePath("CNI plugin folder", input.cniPlugins.directory);
  for (const directory of input.directories ?? []) checkAbsolutePath("folder", directory);
  if (input.resolvConf) checkAbsolutePath("resolv.conf", input.resolvConf.path);
  for (const command of input.commands ?? []) {
    if (!/^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(command.name))
      throw new Error(`${JSON.stringify(command.name)} is not a command name`);
    noControlCharacters("command check", command.usedBy + command.fix);
  }
  for (const name of [...(input.cniPlugins?.names ?? []), ...(input.hygienePackages?.names ?? [])])
    if (!/^[A-Za-z0-9][A-Za-z0-9+._-]*$/.test(name))
      throw new Error(`${JSON.stringify(name)} is not a plugin or package name`);
  for (const unit of input.units) {
    if (!/^[A-Za-z0-9@_.:-]+\.(service|socket|timer|mount|path|target)$/.test(unit) || unit.startsWith("-")) {
      throw new Error(`${JSON.stringify(unit)} is not a systemd unit name`);
    }
  }
  for (const binary of input.binaries) {
    checkAbsolutePath("binary", binary.path);
    [binary.expect, binary.fix, ...binary.versionArgs].forEach((text) =>
      noControlCharacters("binary check", text),
    );
    if (binary.minimum !== undefined && !/^\d+\.\d+(\.\d+)?$/.test(binary.minimum))
      throw new Error(
        `minimum version ${JSON.stringify(binary.minimum)} of ${binary.path} is not x.y or x.y.z`,
      );
  }

  const preflight = [
    "check_platform",
    `check_systemd ${input.systemdMinimum ?? 0}`,
    ...input.binaries.flatMap((binary) => [
      ["check_binary", binary.path, binary.expect, binary.fix, ...binary.versionArgs]
        .map(shellQuote)
        .join(" "),
      ...(binary.minimum === undefined
        ? []
        : [
            ["check_version_at_least", binary.path, binary.minimum, binary.fix, ...binary.versionArgs]
              .map(shellQuote)
              .join(" "),
          ]),
    ]),
    `check_node_ip ${shellQuote(input.nodeIp)}`,
    ...(input.vipInterface === undefined
      ? []
      : [["check_vip_interface", input.vipInterface, input.nodeIp].map(shellQuote).join(" ")]),
    ...(input.swapOff ? ["check_swap_off"] : []),
    ...(input.cgroupV2 ? ["check_cgroup_v2"] : []),
    ...(input.resolvConf
      ? [
          input.resolvConf.link
            ? 'check_resolv_conf "$(resolv_conf_source)"'
            : `check_resolv_conf ${shellQuote(input.resolvConf.path)}`,
        ]
      : []),
    ...(input.commands ?? []).map((command) =>
      ["check_command", command.name, command.usedBy, command.fix].map(shellQuote).join(" "),
    ),
    ...(input.cniPlugins && input.cniPlugins.names.length > 0
      ? [
          ["check_cni_plugins", input.cniPlugins.directory, ...input.cniPlugins.names]
            .map(shellQuote)
            .join(" "),
        ]
      : []),
    ...(input.hygienePackages && input.hygienePackages.names.length > 0
      ? [
          [
            "check_hygiene_packages",
            input.hygienePackages.install ? "1" : "0",
            ...input.hygienePackages.names,
          ]
            .map(shellQuote)
            .join(" "),
        ]
      : []),
  ];
  const head = [
    "#!/usr/bin/env bash",
    `# install.sh for node ${input.nodeName} (kubescratch, Kubernetes ${input.kubernetesVersion}).`,
    "# Checks this bundle and the node, places every file at its install path (keeping a backup of any",
    "# file it replaces), then runs the network scripts and starts the node's services (S24).",
    "# Usage: sudo ./install.sh [--dry-run] [--root DIR]   (exit 0 done, 1 a check failed, 2 usage)",
    "set -euo pipefail",
    "umask 022",
    "",
    `NODE_NAME=${shellQuote(input.nodeName)}`,
    `KUBERNETES_VERSION=${shellQuote(input.kubernetesVersion)}`,
    "# Install path, mode, secret (never shown) or plain, backup name: every file of this bundle.",
    ...bashArray(
      "FILES",
      input.files.map((file) => [
        file.path,
        octalMode(file.mode),
        file.secret ? "secret" : "plain",
        backupPath(file.path),
      ]),
    ),
    "# Created if missing, after the files.",
    ...bashArray(
      "DIRECTORIES",
      (input.directories ?? []).map((directory) => [directory]),
    ),
    "# The kubelet's resolv.conf, linked to the node's upstream name servers (empty: the spec names a file).",
    `RESOLV_CONF_LINK=${shellQuote(input.resolvConf?.link ? input.resolvConf.path : "")}`,
    "# Run in this order once the files are in place.",
    ...bashArray(
      "NETWORK_SCRIPTS",
      input.networkScripts.map((script) => [script]),
    ),
    "# Enabled and started in this order.",
    ...bashArray(
      "UNITS",
      input.units.map((unit) => [unit]),
    ),
    "# Run once the units run: optional packages (S22), reported when they cannot be installed.",
    `HYGIENE_SCRIPT=${shellQuote(input.hygieneScript ?? "")}`,
    "",
    "# What this node needs before anything is installed (S2, S9, S17, S24).",
    "preflight() {",
    ...preflight.map((line) => `  ${line}`),
    "}",
    "",
    templateText("missing-packages.sh"),
    "",
    templateText("package-source-probe.sh"),
  ];
  return lines(head) + templateText("install.sh");
}

// ---------------------------------------------------------------------------------------------
// Shared by validate.sh and validate-cluster.sh: one line per check, a summary, the exit status.

function optionsParser(script: string, usage: readonly string[], extra: readonly string[] = []): string[] {
  return [
    "usage() {",
    "  cat <<'USAGE'",
    ...usage,
    "USAGE",
    "}",
    "while (($# > 0)); do",
    "  case $1 in",
    ...extra.map((line) => `    ${line}`),
    "    -h | --help)",
    "      usage",
    "      exit 0",
    "      ;;",
    "    *)",
    `      printf '${script}: unknown option: %s\\n' "$1" >&2`,
    "      usage >&2",
    "      exit 2",
    "      ;;",
    "  esac",
    "  shift",
    "done",
  ];
}

// ---------------------------------------------------------------------------------------------
// validate.sh

const CONTAINER_LISTERS: Readonly<Record<ValidateScriptInput["runtime"], { how: string; body: string[] }>> = {
  docker: {
    how: "docker ps | grep",
    body: [
      "container_running() {",
      "  local listing",
      "  listing=$(docker ps) || return 1",
      '  grep -- "$1" <<<"$listing" || {',
      '    printf \'no running container matches %s in "docker ps"\\n\' "$1"',
      "    return 1",
      "  }",
      "}",
    ],
  },
  containerd: {
    how: "crictl ps --name",
    body: [
      "container_running() {",
      "  local ids",
      '  ids=$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps --name "$1" -q) || return 1',
      "  [[ -n $ids ]] || {",
      '    printf \'no running container named %s in "crictl ps"\\n\' "$1"',
      "    return 1",
      "  }",
      "}",
    ],
  },
  rkt: {
    how: "rkt list | grep",
    body: [
      "container_running() {",
      "  local listing",
      "  listing=$(rkt list) || return 1",
      '  grep -- "$1" <<<"$listing" || {',
      '    printf \'no running app matches %s in "rkt list"\\n\' "$1"',
      "    return 1",
      "  }",
      "}",
    ],
  },
};

/** validate.sh for one node: the seed's checks (S29, S31) for what runs on it. */
export function validateScript(input: ValidateScriptInput): string {
  noControlCharacters("node name", input.nodeName);
  noControlCharacters("apiserver URL", input.apiserverLocalUrl);
  const url = input.apiserverLocalUrl.replace(/\/+$/, "");
  const https = url.startsWith("https://");
  if (!https && !url.startsWith("http://")) throw new Error(`apiserver URL ${url} is neither http nor https`);
  const controlPlane = input.roles.includes("control-plane");
  const etcd = input.roles.includes("etcd");
  const runtime = CONTAINER_LISTERS[input.runtime];

  const curl = ["curl", "-fsS", "--max-time", "10"];
  if (https) curl.push(...(input.caFile === undefined ? ["--insecure"] : ["--cacert", input.caFile]));
  const kubectl =
    input.kubeconfig === undefined
      ? undefined
      : ["kubectl", "--kubeconfig", input.kubeconfig, "--request-timeout=10s"];

  const variables = [
    `NODE_NAME=${shellQuote(input.nodeName)}`,
    ...(controlPlane ? [`APISERVER=${shellQuote(url)}`, `CURL=(${curl.map(shellQuote).join(" ")})`] : []),
    ...(kubectl ? [`KUBECTL=(${kubectl.map(shellQuote).join(" ")})`] : []),
  ];
  const functions: string[] = [];
  const checks: string[] = [];
  const check = (description: string, ...command: string[]) =>
    checks.push(["check", description, ...command].map(shellQuote).join(" "));

  check(
    `the container runtime (${input.runtimeUnit}) is active`,
    "systemctl",
    "is-active",
    input.runtimeUnit,
  );
  check("kubelet.service is active", "systemctl", "is-active", "kubelet.service");
  check("kube-proxy.service is active", "systemctl", "is-active", "kube-proxy.service");
  for (const unit of input.otherUnits ?? []) check(`${unit} is active`, "systemctl", "is-active", unit);
  if (controlPlane || etcd) functions.push(...runtime.body);
  if (etcd) check(`an etcd container runs (${runtime.how} etcd)`, "container_running", "etcd");
  if (controlPlane) {
    functions.push(
      "says_ok() {",
      "  local body",
      '  body=$("${CURL[@]}" "$1") || return 1',
      "  [[ $body == ok ]] || {",
      "    printf 'answered %s, not ok\\n' \"${body:0:300}\"",
      "    return 1",
      "  }",
      "}",
      "lists_versions() {",
      "  local body",
      kubectl
        ? '  body=$("${KUBECTL[@]}" --server "$APISERVER" get --raw /api) || return 1'
        : '  body=$("${CURL[@]}" "$APISERVER/api") || return 1',
      "  [[ $body == *'\"versions\"'* ]] || {",
      '    printf \'answered %s, without "versions"\\n\' "${body:0:300}"',
      "    return 1",
      "  }",
      "}",
    );
    check(
      `the apiserver container runs (${runtime.how} ${input.runtime === "containerd" ? "kube-apiserver" : "apiserver"})`,
      "container_running",
      input.runtime === "containerd" ? "kube-apiserver" : "apiserver",
    );
    check(`GET ${url}/healthz says ok`, "says_ok", `${url}/healthz`);
    check(`GET ${url}/api lists the API versions`, "lists_versions");
  }
  if (https) {
    check("the kubelet healthz (http://127.0.0.1:10248/healthz) says ok", "kubelet_healthy");
    functions.push(
      "kubelet_healthy() {",
      "  local body",
      "  body=$(curl -fsS --max-time 10 http://127.0.0.1:10248/healthz) || return 1",
      "  [[ $body == ok ]] || {",
      "    printf 'answered %s, not ok\\n' \"${body:0:300}\"",
      "    return 1",
      "  }",
      "}",
    );
  }
  if (input.endpointUrl !== undefined) {
    noControlCharacters("endpoint URL", input.endpointUrl);
    const endpoint = input.endpointUrl.replace(/\/+$/, "");
    // Verified against the cluster CA: the apiserver's certificate must name the endpoint's host.
    const endpointCurl = [
      "curl",
      "-fsS",
      "--max-time",
      "10",
      ...(input.caFile ? ["--cacert", input.caFile] : []),
    ];
    functions.push(
      "endpoint_healthy() {",
      "  local body",
      `  body=$(${endpointCurl.map(shellQuote).join(" ")} ${shellQuote(`${endpoint}/healthz`)}) || return 1`,
      "  [[ $body == ok ]] || {",
      "    printf 'answered %s, not ok\\n' \"${body:0:300}\"",
      "    return 1",
      "  }",
      "}",
    );
    check(
      `the API endpoint ${endpoint} answers /healthz with a certificate for its host`,
      "endpoint_healthy",
    );
  }
  if (kubectl) {
    functions.push("node_registered() {", '  "${KUBECTL[@]}" get node "$NODE_NAME" -o name', "}");
    check(`node ${input.nodeName} is registered (kubectl get node ${input.nodeName})`, "node_registered");
  } else {
    checks.push(
      `skip ${shellQuote(`node ${input.nodeName} is registered: check it from the admin machine (kubectl get nodes, or ./validate-cluster.sh)`)}`,
    );
  }

  return lines(
    "#!/usr/bin/env bash",
    `# validate.sh for node ${input.nodeName} (kubescratch): the seed's checks for what runs here (S29, S31).`,
    '# One line per check (ok / FAIL), then "N passed, N failed". Exit 0 all passed, 1 a check failed, 2 usage.',
    "set -euo pipefail",
    "",
    variables,
    "",
    [
      "usage() {",
      "  cat <<'USAGE'",
      "Usage: validate.sh",
      "",
      "Checks this node: its runtime, kubelet and kube-proxy run; on the control plane the apiserver",
      "container runs, /healthz says ok and /api lists the API versions; the node is registered.",
      "Exit status: 0 all passed, 1 a check failed, 2 usage error.",
      "USAGE",
      "}",
      "if (($# > 0)); then",
      "  case $1 in",
      "    -h | --help)",
      "      usage",
      "      exit 0",
      "      ;;",
      "    *)",
      "      printf 'validate.sh: unknown option: %s\\n' \"$1\" >&2",
      "      usage >&2",
      "      exit 2",
      "      ;;",
      "  esac",
      "fi",
    ],
    "",
    templateText("check-functions.sh"),
    functions,
    "",
    `printf 'node %s\\n' "$NODE_NAME"`,
    checks,
    "summary",
    "((FAILED == 0)) || exit 1",
  );
}

// ---------------------------------------------------------------------------------------------
// validate-cluster.sh (admin bundle)

const DNS_OK = "KUBESCRATCH-DNS-OK";
const NGINX_OK = "KUBESCRATCH-NGINX-OK";

/** The pod validate-cluster.sh starts: resolv.conf, a DNS lookup of the kubernetes service, nginx via its service. */
function probePod(clusterDomain: string): string {
  const kubernetes = `kubernetes.default.svc.${clusterDomain}`;
  const nginx = `nginx.${CHECK_NAMESPACE}.svc.${clusterDomain}`;
  const command = [
    "cat /etc/resolv.conf",
    `if nslookup ${kubernetes}; then echo ${DNS_OK}; fi`,
    `if wget -q -T 5 -O /dev/null http://${nginx}; then echo ${NGINX_OK}; fi`,
  ].join("; ");
  return toYaml({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "probe", namespace: CHECK_NAMESPACE, labels: { app: "probe" } },
    spec: {
      restartPolicy: "Never",
      containers: [{ name: "probe", image: CHECK_IMAGES.probe, command: ["sh", "-c", command] }],
    },
  });
}

const VALIDATE_CLUSTER_BODY = `KEEP=0
TIMEOUT=180
${optionsParser(
  "validate-cluster.sh",
  [
    "Usage: validate-cluster.sh [--timeout SECONDS] [--keep]",
    "",
    "Checks the cluster from the admin machine (S29, S31): the apiserver is healthy, every node is",
    "registered and Ready, the DNS service has the kubelets' --cluster-dns address, the nginx example",
    "(nginx-example.yaml) runs and answers through its service, and kubernetes.default resolves from a",
    "pod. Everything it creates lives in the namespace kubescratch-check, deleted at the end.",
    "KUBECONFIG defaults to this bundle's admin kubeconfig.",
    "",
    "  --timeout SECONDS  how long to wait for nodes and pods (default 180)",
    "  --keep             leave the namespace kubescratch-check for inspection",
    "",
    "Exit status: 0 all passed, 1 a check failed, 2 usage error.",
  ],
  [
    "--keep) KEEP=1 ;;",
    "--timeout)",
    "  [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || {",
    "    printf 'validate-cluster.sh: --timeout needs a number of seconds\\n' >&2",
    "    exit 2",
    "  }",
    "  TIMEOUT=$2",
    "  shift",
    "  ;;",
  ],
).join("\n")}

${templateText("check-functions.sh")}
say() { printf '%s\\n' "$*"; }

# wait_until COMMAND...: retries every 3 seconds until WAIT_DEADLINE (when set) or for TIMEOUT seconds;
# on failure prints the last output.
WAIT_DEADLINE=""
wait_until() {
  local deadline=\${WAIT_DEADLINE:-$((SECONDS + TIMEOUT))} output
  while true; do
    if output=$("$@" 2>&1); then
      return 0
    fi
    if ((SECONDS >= deadline)); then
      printf '%s\\n(gave up after %s seconds)\\n' "$output" "$TIMEOUT"
      return 1
    fi
    sleep 3
  done
}

api_healthy() {
  local body
  if ((SEED_KUBECTL)); then
    body=$(kubectl get componentstatuses 2>&1) || {
      printf '%s\\n' "$body"
      return 1
    }
    [[ $body == *Healthy* && $body != *Unhealthy* ]] || {
      printf 'kubectl get componentstatuses:\\n%s\\n' "\${body:0:600}"
      return 1
    }
    return 0
  fi
  body=$(kubectl get --raw /livez 2>&1) || body=$(kubectl get --raw /healthz 2>&1) || {
    printf '%s\\n' "$body"
    return 1
  }
  [[ $body == ok ]] || {
    printf 'answered %s, not ok\\n' "\${body:0:300}"
    return 1
  }
}

node_ready() {
  local status
  status=$(kubectl get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}') || return 1
  [[ $status == True ]] || {
    printf 'node %s: Ready is %s\\n' "$1" "\${status:-not reported}"
    return 1
  }
}

dns_service() {
  local addresses
  addresses=$(kubectl get services --all-namespaces -o jsonpath='{.items[*].spec.clusterIP}') || return 1
  [[ " $addresses " == *" $DNS_SERVICE_IP "* ]] || {
    printf 'no service has %s (the kubelets'"'"' --cluster-dns): apply addons/dns.yaml\\n' "$DNS_SERVICE_IP"
    return 1
  }
}

# The DNS service's own namespace and name, then its ready addresses: on a fresh cluster CoreDNS may
# still be starting when the nginx pods already run, and a probe before then finds no DNS.
dns_endpoints() {
  local service addresses
  service=$(kubectl get services --all-namespaces -o jsonpath="{range .items[?(@.spec.clusterIP==\\"$DNS_SERVICE_IP\\")]}{.metadata.namespace} {.metadata.name}{end}") || return 1
  [[ -n $service ]] || {
    printf 'no service has %s\\n' "$DNS_SERVICE_IP"
    return 1
  }
  addresses=$(kubectl --namespace "\${service% *}" get endpoints "\${service#* }" -o jsonpath='{.subsets[*].addresses[*].ip}') || return 1
  [[ -n $addresses ]] || {
    printf 'service %s/%s has no ready endpoint yet (kubectl --namespace %s get pods)\\n' "\${service% *}" "\${service#* }" "\${service% *}"
    return 1
  }
}

namespace_listed() {
  local names
  names=$(kubectl get namespaces "$@" -o name) || return 2
  grep -qx -e "namespace/$NAMESPACE" -e "namespaces/$NAMESPACE" <<<"$names"
}

namespace_gone() {
  local listed=0
  namespace_listed || listed=$?
  ((listed == 1)) || {
    printf 'namespace %s is still there\\n' "$NAMESPACE"
    return 1
  }
}

# The check namespace must be free. Left over from an interrupted run (it carries kubescratch's
# label): deleted and waited for. Someone else's namespace of that name is never touched.
namespace_free() {
  local listed=0
  namespace_listed || listed=$?
  ((listed != 2)) || return 1
  ((listed == 1)) && return 0
  listed=0
  namespace_listed -l "$CHECK_LABEL" || listed=$?
  if ((listed != 0)); then
    printf 'namespace %s exists and was not made by kubescratch (no label %s): remove or rename it\\n' \\
      "$NAMESPACE" "$CHECK_LABEL"
    return 1
  fi
  kubectl delete namespace "$NAMESPACE" || return 1
  wait_until namespace_gone
}

nginx_available() {
  local available phases
  if [[ $NGINX_CONTROLLER == replicationcontroller ]]; then
    phases=$(kubectl --namespace "$NAMESPACE" get pods -l app=nginx -o jsonpath='{.items[*].status.phase}') || return 1
    available=$(grep -o Running <<<"$phases" | wc -l)
    ((available == 2)) || {
      printf 'replication controller nginx: %s of 2 pods running (%s)\\n' "$available" "\${phases:-none}"
      return 1
    }
    return 0
  fi
  available=$(kubectl --namespace "$NAMESPACE" get deployment nginx -o jsonpath='{.status.availableReplicas}') || return 1
  [[ $available == 2 ]] || {
    printf 'deployment nginx: %s of 2 replicas available\\n' "\${available:-0}"
    return 1
  }
}

nginx_endpoints() {
  local addresses count
  addresses=$(kubectl --namespace "$NAMESPACE" get endpoints nginx -o jsonpath='{.subsets[*].addresses[*].ip}') || return 1
  count=$(wc -w <<<"$addresses")
  ((count == 2)) || {
    printf 'service nginx has %s endpoint(s): %s\\n' "$count" "$addresses"
    return 1
  }
}

start_probe() {
  kubectl create -f - <<<"$PROBE_POD"
}

probe_finished() {
  local phase
  phase=$(kubectl --namespace "$NAMESPACE" get pod probe -o jsonpath='{.status.phase}') || return 1
  [[ $phase == Succeeded || $phase == Failed ]] || {
    printf 'pod probe is %s\\n' "\${phase:-Pending}"
    return 1
  }
}

PROBE_LOG=""
probe_says() {
  grep -qx -- "$1" <<<"$PROBE_LOG" || {
    printf '%s\\n' "$PROBE_LOG"
    return 1
  }
}

cleanup() {
  if ((CREATED && !KEEP)); then
    if kubectl delete namespace "$NAMESPACE" >/dev/null 2>&1; then
      say "cleaned up: deleted namespace $NAMESPACE"
    else
      say "could not delete namespace $NAMESPACE: kubectl delete namespace $NAMESPACE"
    fi
  elif ((CREATED)); then
    say "kept namespace $NAMESPACE (--keep): kubectl delete namespace $NAMESPACE when done"
  fi
}
CREATED=0
trap cleanup EXIT
trap 'exit 130' INT TERM

say "cluster $CLUSTER_NAME, KUBECONFIG=$KUBECONFIG"
check "kubectl is installed" command -v kubectl
if ((FAILED == 0)); then
  check "the apiserver is healthy (kubectl get --raw /livez or /healthz; componentstatuses on 1.1 and 1.2)" api_healthy
fi
if ((FAILED > 0)); then
  say "the apiserver cannot be reached: nothing else can be checked"
  summary
  exit 1
fi

# The nodes share one deadline: a cluster whose nodes are all down fails in TIMEOUT seconds, not N times that.
WAIT_DEADLINE=$((SECONDS + TIMEOUT))
for ((i = 0; i < \${#NODES[@]}; i++)); do
  check "node \${NODES[i]} is registered and Ready" wait_until node_ready "\${NODES[i]}"
done
WAIT_DEADLINE=""
check "a service has the cluster DNS address $DNS_SERVICE_IP (S30)" dns_service

say "--- kubectl get nodes"
kubectl get nodes -o wide || true
say "--- kubectl get pods --all-namespaces (static pods show as mirror pods named <pod>-<node>)"
kubectl get pods --all-namespaces -o wide || true
say "--- kubectl get services --all-namespaces"
kubectl get services --all-namespaces || true
say "---"

# Each step needs the one before: after a failure the rest are skipped, not waited for.
BROKEN=0
step() {
  local before=$FAILED
  if ((BROKEN)); then
    skip "$1 (an earlier step failed)"
    return 0
  fi
  check "$@"
  ((FAILED == before)) || BROKEN=1
}
step "namespace $NAMESPACE is free for the checks" namespace_free
# From here on the namespace may exist: the cleanup deletes it (check runs commands in a subshell, so
# this is set here, not in the step).
((BROKEN)) || CREATED=1
step "the nginx example is applied (nginx-example.yaml)" kubectl apply -f "$HERE/nginx-example.yaml"
step "$NGINX_CONTROLLER nginx has 2 available replicas" wait_until nginx_available
step "service nginx has 2 endpoints" wait_until nginx_endpoints
step "the cluster DNS service has a ready endpoint" wait_until dns_endpoints
step "the probe pod starts (busybox)" start_probe
step "the probe pod finishes" wait_until probe_finished
PROBE_CHECKS=(
  "pods use the cluster DNS server $DNS_SERVICE_IP (resolv.conf)" "nameserver $DNS_SERVICE_IP"
  "kubernetes.default resolves from a pod (nslookup)" ${DNS_OK}
  "nginx answers through its service from a pod (wget)" ${NGINX_OK}
)
if ((!BROKEN)); then
  PROBE_LOG=$(kubectl --namespace "$NAMESPACE" logs probe 2>&1) || true
fi
for ((i = 0; i < \${#PROBE_CHECKS[@]}; i += 2)); do
  if ((BROKEN)); then
    skip "\${PROBE_CHECKS[i]} (an earlier step failed)"
  else
    check "\${PROBE_CHECKS[i]}" probe_says "\${PROBE_CHECKS[i + 1]}"
  fi
done

summary
((FAILED == 0)) || exit 1
`;

/** validate-cluster.sh for the admin bundle: the cluster-wide checks of S29 and S31. */
export function validateClusterScript(input: ValidateClusterScriptInput): string {
  noControlCharacters("cluster name", input.clusterName);
  noControlCharacters("kubeconfig", input.kubeconfigFile);
  input.nodeNames.forEach((name) => noControlCharacters("node name", name));
  const kubeconfig = input.kubeconfigFile.startsWith("/")
    ? shellQuote(input.kubeconfigFile)
    : `"$HERE"/${shellQuote(input.kubeconfigFile)}`;
  const minor = input.kubernetesVersion === undefined ? undefined : minorOf(input.kubernetesVersion);
  const seedKubectl = minor !== undefined && minor < 3;
  return (
    lines(
      "#!/usr/bin/env bash",
      `# validate-cluster.sh for cluster ${input.clusterName} (kubescratch): from the admin machine, checks that`,
      "# every node is Ready, the apiserver is healthy, DNS answers and an nginx example runs (S29, S30, S31).",
      '# One line per check (ok / FAIL), then "N passed, N failed". Exit 0 all passed, 1 a check failed, 2 usage.',
      "set -euo pipefail",
      "",
      'HERE=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)',
      `export KUBECONFIG="\${KUBECONFIG:-${kubeconfig}}"`,
      `CLUSTER_NAME=${shellQuote(input.clusterName)}`,
      ...bashArray(
        "NODES",
        input.nodeNames.map((name) => [name]),
      ),
      `DNS_SERVICE_IP=${shellQuote(input.dnsServiceIp)}`,
      `NAMESPACE=${shellQuote(CHECK_NAMESPACE)}`,
      "# The kubectl of the seed's releases: no get --raw, and (1.1) no Deployment.",
      `SEED_KUBECTL=${seedKubectl ? 1 : 0}`,
      `NGINX_CONTROLLER=${nginxController(input.kubernetesVersion)}`,
      `CHECK_LABEL=${shellQuote(`${CHECK_LABEL}=${CHECK_LABEL_VALUE}`)}`,
      "PROBE_POD=$(",
      "  cat <<'YAML'",
      probePod(input.clusterDomain).trimEnd(),
      "YAML",
      ")",
      "",
    ) + VALIDATE_CLUSTER_BODY
  );
}

// ---------------------------------------------------------------------------------------------
// nginx-example.yaml

/**
 * What runs the nginx example: a Deployment, except on 1.1, whose apiserver serves
 * extensions/v1beta1 deployments only when --runtime-config asks and whose Deployment selector is a
 * plain map; a ReplicationController means the same there.
 */
function nginxController(kubernetesVersion: string | undefined): "deployment" | "replicationcontroller" {
  const minor = kubernetesVersion === undefined ? undefined : minorOf(kubernetesVersion);
  return minor !== undefined && minor < 2 ? "replicationcontroller" : "deployment";
}

/**
 * The nginx example validate-cluster.sh applies (S31): its own namespace (labelled as kubescratch's,
 * so the script only ever deletes its own), a Deployment of two nginx replicas and their Service.
 * Releases before 1.9 have no apps/v1, so for those the Deployment is extensions/v1beta1.
 */
export function nginxExample(input: { readonly kubernetesVersion?: string } = {}): string {
  const minor = input.kubernetesVersion === undefined ? undefined : minorOf(input.kubernetesVersion);
  const legacy = minor !== undefined && minor < 9;
  const labels = { app: "nginx" };
  const podTemplate = {
    metadata: { labels },
    spec: {
      containers: [{ name: "nginx", image: CHECK_IMAGES.web, ports: [{ containerPort: 80 }] }],
    },
  };
  const controller =
    nginxController(input.kubernetesVersion) === "replicationcontroller"
      ? {
          apiVersion: "v1",
          kind: "ReplicationController",
          metadata: { name: "nginx", namespace: CHECK_NAMESPACE, labels },
          spec: { replicas: 2, selector: labels, template: podTemplate },
        }
      : undefined;
  const objects = [
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: CHECK_NAMESPACE, labels: { [CHECK_LABEL]: CHECK_LABEL_VALUE } },
    },
    controller ?? {
      apiVersion: legacy ? "extensions/v1beta1" : "apps/v1",
      kind: "Deployment",
      metadata: { name: "nginx", namespace: CHECK_NAMESPACE, labels },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: podTemplate },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "nginx", namespace: CHECK_NAMESPACE, labels },
      spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] },
    },
  ];
  return [
    "# The nginx example of validate-cluster.sh (S31): two nginx replicas behind a service, in a namespace",
    `# of their own. Delete it with: kubectl delete namespace ${CHECK_NAMESPACE}`,
    objects.map((object) => toYaml(object)).join("---\n"),
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// README.md (admin bundle)

/** The admin bundle's README: what is in it, and the order in which to apply the node bundles. */
export function adminReadme(input: AdminReadmeInput): string {
  const kubeconfig = input.kubeconfigFile ?? "kubeconfigs/<admin>.kubeconfig";
  const etcd = input.nodes.filter((node) => node.roles.includes("etcd"));
  const controlPlane = input.nodes.filter(
    (node) => node.roles.includes("control-plane") && !node.roles.includes("etcd"),
  );
  const workers = input.nodes.filter((node) => !etcd.includes(node) && !controlPlane.includes(node));
  const names = (nodes: typeof input.nodes, step: string) =>
    nodes
      .map((node) => {
        const others = node.roles.filter((role) => role !== step);
        return others.length > 0 ? `\`${node.name}\` (also ${others.join(", ")})` : `\`${node.name}\``;
      })
      .join(", ");
  const steps = [
    etcd.length > 0 ? `the etcd members: ${names(etcd, "etcd")}` : undefined,
    controlPlane.length > 0 ? `the control-plane nodes: ${names(controlPlane, "control-plane")}` : undefined,
    workers.length > 0 ? `the workers: ${names(workers, "worker")}` : undefined,
  ].filter((step): step is string => step !== undefined);
  return lines(
    `# Cluster ${input.clusterName}: admin bundle`,
    "",
    `Kubernetes ${input.kubernetesVersion}, generated by kubescratch. Each node has its own bundle`,
    "(`<node>.tar.gz`); this one is for the administrator's machine. It holds the admin credentials:",
    "keep it private.",
    "",
    "## What is in it",
    "",
    "- `README.md`: this file.",
    `- \`${kubeconfig}\`: kubectl configuration (cluster, credentials, context) for an administrator (S14).`,
    "- `addons/*.yaml`: cluster objects to apply once the control plane runs" +
      (input.dnsEnabled ? " (among them the DNS addon, S30)." : "."),
    "- `nodes.yaml` (when present): what the kubelets cannot set on their own Nodes (the spec's labels, the",
    "  control-plane role label and taint, each node's planned pod range, which flannel reads), or the whole",
    "  Node objects of kubelets that do not register themselves (S29).",
    "- `images.txt`: the images and binaries to mirror for an air-gapped install (S9, S10).",
    "- `validate-cluster.sh`: checks the whole cluster from here (S29, S31); `nginx-example.yaml` is its example.",
    "- `MANIFEST.json` (every file, its mode and why it exists) and `SHA256SUMS`.",
    "",
    "## Nodes",
    "",
    "| node | roles | address |",
    "| --- | --- | --- |",
    input.nodes.map((node) => `| ${node.name} | ${node.roles.join(", ")} | ${node.ip} |`),
    "",
    "## Install, in this order",
    "",
    steps.map((step, index) => `${index + 1}. ${step[0]?.toUpperCase() ?? ""}${step.slice(1)}.`),
    "",
    "A node that holds several roles is installed at its first step. Finish each step before the next;",
    "on each node:",
    "",
    "```sh",
    "scp <node>.tar.gz <node>:            # from this machine",
    "mkdir -p d && tar -xzf <node>.tar.gz -C d",
    "sudo d/install.sh --dry-run          # checks the node, shows what would change",
    "sudo d/install.sh                    # installs and starts the node's services",
    "sudo d/validate.sh                   # the node's own checks",
    "```",
    "",
    "`install.sh` refuses a damaged bundle, lists every missing prerequisite with its fix, keeps a",
    "`.kubescratch-backup` of any file it replaces, and can be run again safely.",
    "",
    ...(input.kubectlOnNode === undefined
      ? ["Then, from this machine:"]
      : [
          `Then, on \`${input.kubectlOnNode}\` (the firewall lets only the nodes and the pods reach the`,
          "apiserver's plain-HTTP port, S11): copy this bundle there, unpack it, and run",
        ]),
    "",
    "```sh",
    `export KUBECONFIG="$PWD/${kubeconfig}"`,
    "if [ -f nodes.yaml ]; then kubectl apply -f nodes.yaml; fi",
    "kubectl apply -f addons/",
    "./validate-cluster.sh",
    "```",
  );
}
