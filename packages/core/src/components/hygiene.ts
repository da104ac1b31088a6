// Node hygiene (S22): automatic package upgrades (unattended-upgrades, the cluster's own packages
// held back), log rotation for the component logs (logrotate), liveness checks for the node's
// daemons and, on control-plane nodes, the apiserver's health endpoint (monit), and the packages all
// of that needs plus the storage plugin clients, installed by one script of the install step.
import type { Artifact } from "../artifact.js";
import { templateText } from "../render/template.js";
import { artifact, isControlPlane, type NodeContext } from "./context.js";
import { KUBE_PROXY_BINARY } from "./kube-proxy.js";
import { KUBELET_BINARY } from "./kubelet.js";
import { CONTAINERD_SOCKET } from "./runtime.js";

export const HYGIENE_PACKAGES_PATH = "/etc/kubernetes/hygiene/install-packages.sh";
export const AUTO_UPGRADES_PATH = "/etc/apt/apt.conf.d/20auto-upgrades";
export const UNATTENDED_UPGRADES_PATH = "/etc/apt/apt.conf.d/52kubescratch-unattended-upgrades";
export const LOGROTATE_PATH = "/etc/logrotate.d/kubescratch";
export const MONIT_PATH = "/etc/monit/conf.d/kubescratch";

/** The kubelet's local health endpoint (--healthz-port, healthzPort: 10248 in every release). */
const KUBELET_HEALTHZ_PORT = 10248;

/** Debian packages the node's hygiene needs, in install order: tools first, then storage clients. */
export function hygienePackages(context: Pick<NodeContext, "spec">): string[] {
  const { hygiene } = context.spec;
  const packages: string[] = [];
  if (hygiene.autoUpgrades) packages.push("unattended-upgrades");
  if (hygiene.logrotate) packages.push("logrotate");
  if (hygiene.monit) packages.push("monit");
  for (const name of hygiene.storageClients) if (!packages.includes(name)) packages.push(name);
  return packages;
}

/** Packages whose automatic upgrade would restart the runtime under running pods. */
function heldBackPackages(context: NodeContext): string[] {
  switch (context.spec.runtime.type) {
    case "docker":
      return ["docker.io", "docker-engine", "docker-ce", "containerd", "containerd.io", "runc"];
    case "rkt":
      return ["rkt"];
    case "containerd":
      return ["containerd", "containerd.io", "runc", "containernetworking-plugins"];
  }
}

function autoUpgradeArtifacts(context: NodeContext): Artifact[] {
  const held = heldBackPackages(context);
  return [
    artifact(
      AUTO_UPGRADES_PATH,
      [
        `// ${AUTO_UPGRADES_PATH}: written by kubescratch for node ${context.node.name} (S22).`,
        "// Refresh the package lists and install upgrades every day (unattended-upgrades).",
        'APT::Periodic::Update-Package-Lists "1";',
        'APT::Periodic::Unattended-Upgrade "1";',
        'APT::Periodic::AutocleanInterval "7";',
        "",
      ].join("\n"),
      {
        kind: "config",
        why: "Turns on daily automatic package upgrades (unattended-upgrades).",
        requirements: ["S22"],
      },
    ),
    artifact(
      UNATTENDED_UPGRADES_PATH,
      [
        `// ${UNATTENDED_UPGRADES_PATH}: written by kubescratch for node ${context.node.name} (S22).`,
        "// The container runtime is upgraded by hand, node by node (drain first): an automatic upgrade",
        "// restarts it under the running pods. Nodes are never rebooted automatically either.",
        "Unattended-Upgrade::Package-Blacklist {",
        ...held.map((name) => `    "^${name.replace(/[.+]/g, "\\$&")}$";`),
        "};",
        'Unattended-Upgrade::Automatic-Reboot "false";',
        "",
      ].join("\n"),
      {
        kind: "config",
        why: "Keeps the container runtime's packages and reboots out of the automatic upgrades.",
        requirements: ["S22"],
      },
    ),
  ];
}

/** The log files of the node's components: the seed's /var/log/<component>.log and docker's own logs. */
function logFiles(context: NodeContext): string[] {
  const components = ["kubelet", "kube-proxy"];
  if (isControlPlane(context)) components.push("kube-apiserver", "kube-controller-manager", "kube-scheduler");
  if (context.node.roles.includes("etcd")) components.push("etcd");
  if (context.spec.runtime.type === "docker") components.push("docker");
  return components.map((name) => `/var/log/${name}.log`);
}

function logrotateArtifact(context: NodeContext): Artifact {
  const runtime = context.spec.runtime;
  const stanza = (paths: readonly string[], what: string, size: string, rotate: number): string[] => [
    `# ${what}`,
    `${paths.join(" ")} {`,
    "    daily",
    `    maxsize ${size}`,
    `    rotate ${rotate}`,
    "    missingok",
    "    notifempty",
    "    compress",
    "    delaycompress",
    // The daemons keep their log open and know nothing of logrotate: copy, then truncate in place.
    "    copytruncate",
    "}",
  ];
  const lines = [
    `# ${LOGROTATE_PATH}: written by kubescratch for node ${context.node.name} (S22).`,
    "# Daemons under systemd log to the journal (journald rotates it); these are the files the",
    "# components write when their output is sent to /var/log, as the seed's pods do.",
    ...stanza(logFiles(context), "Component logs.", "100M", 5),
  ];
  if (runtime.type === "docker") {
    lines.push(
      "",
      ...stanza(
        [`${runtime.rootDir}/containers/*/*-json.log`],
        "Container output kept by docker's json-file log driver, which never rotates it itself.",
        "50M",
        3,
      ),
    );
  } else if (runtime.type === "containerd") {
    lines.push("# Container logs (/var/log/pods) are rotated by the kubelet (containerLogMaxSize).");
  }
  return artifact(LOGROTATE_PATH, `${lines.join("\n")}\n`, {
    kind: "config",
    why: "Rotates the component logs (and docker's container logs) so they cannot fill the disk.",
    requirements: ["S22"],
  });
}

function monitArtifact(context: NodeContext): Artifact {
  const { spec, plan, profile, node } = context;
  const service = (name: string, match: string, unit: string, test?: string): string[] => [
    `check process ${name} matching "${match}"`,
    `    start program = "/bin/systemctl start ${unit}"`,
    `    stop program = "/bin/systemctl stop ${unit}"`,
    ...(test ? [`    ${test}`] : []),
    "    if 5 restarts within 5 cycles then alert",
    "",
  ];
  const http = (port: number, path: string, host = "127.0.0.1"): string =>
    `if failed host ${host} port ${port} protocol http request "${path}" with timeout 10 seconds for 3 cycles then restart`;
  const lines = [
    `# ${MONIT_PATH}: written by kubescratch for node ${node.name} (S22).`,
    "# Liveness checks: monit restarts a daemon that died or stopped answering, through systemd.",
    "",
  ];
  switch (spec.runtime.type) {
    case "docker":
      lines.push(...service("docker", "docker daemon", "docker"));
      break;
    case "rkt":
      lines.push(
        ...(context.profile.rkt?.apiService !== undefined
          ? service("rkt-api", "rkt api-service", "rkt-api")
          : service("rkt-metadata", "rkt metadata-service", "rkt-metadata")),
      );
      break;
    case "containerd":
      lines.push(
        ...service(
          "containerd",
          "^/usr/bin/containerd$",
          "containerd",
          `if failed unixsocket ${CONTAINERD_SOCKET} for 3 cycles then restart`,
        ),
      );
      break;
  }
  lines.push(...service("kubelet", `^${KUBELET_BINARY}`, "kubelet", http(KUBELET_HEALTHZ_PORT, "/healthz")));
  // kube-proxy's health: 127.0.0.1:10249 in the seed's releases, 0.0.0.0:10256 today.
  const proxyPort = profile.era === "legacy" ? 10249 : 10256;
  lines.push(...service("kube-proxy", `^${KUBE_PROXY_BINARY}`, "kube-proxy", http(proxyPort, "/healthz")));
  if (isControlPlane(context)) {
    // A static pod: the kubelet restarts it; monit reports it.
    lines.push(`# The apiserver is a static pod that the kubelet restarts; monit reports it.`);
    if (profile.era === "legacy") {
      const insecure = profile.apiserverInsecurePort ?? 8080;
      const host = plan.security.mode === "https" ? "127.0.0.1" : node.ip;
      lines.push(
        `check host kube-apiserver with address ${host}`,
        `    if failed port ${insecure} protocol http request "${profile.health.apiserverLiveness}" with timeout 10 seconds for 3 cycles then alert`,
        "",
      );
    } else {
      lines.push(
        `check host kube-apiserver with address ${node.ip}`,
        `    if failed port ${plan.controlPlane.apiserverPort} protocol https request "${profile.health.apiserverLiveness}" with timeout 10 seconds for 3 cycles then alert`,
        "",
      );
    }
  }
  return artifact(MONIT_PATH, lines.join("\n"), {
    kind: "config",
    why: `Liveness checks for the runtime, kubelet and kube-proxy${isControlPlane(context) ? " and the apiserver's health endpoint" : ""} (monit restarts what stops answering).`,
    requirements: ["S22", "S29"],
  });
}

/**
 * Bash: missing_packages NAME... prints each named Debian package that is not installed. Read by
 * install.sh's preflight and by the hygiene script, so both agree on what is missing.
 */

/**
 * Bash: package_source_answers prints the first apt source that accepts a TCP connection within 3
 * seconds (or a local file: source), else what it tried, and fails. Read by install.sh's preflight
 * and by the hygiene script, so neither waits on a network that is not there.
 */

/** apt-get's own bounds, so a node whose package source does not answer gives up in seconds. */
const APT_BOUNDS = [
  "-o Acquire::Retries=0",
  "-o Acquire::http::Timeout=10",
  "-o Acquire::https::Timeout=10",
  "-o Acquire::ftp::Timeout=10",
  "-o DPkg::Lock::Timeout=60",
].join(" ");

function packagesScript(context: NodeContext, packages: readonly string[]): Artifact {
  const { spec, node } = context;
  const install = spec.hygiene.installPackages;
  const lines = [
    "#!/usr/bin/env bash",
    `# ${HYGIENE_PACKAGES_PATH}: written by kubescratch for node ${node.name} (S22).`,
    install
      ? "# Installs what the node's hygiene needs and the storage plugin clients; safe to run again."
      : "# Reports which hygiene packages and storage clients are missing: hygiene.installPackages is false, so nothing is downloaded.",
    "# install.sh runs it after the node's services started. Every network step is bounded in time;",
    "# a package that cannot be installed is reported with the command to run later (exit 3).",
    "set -uo pipefail",
    "",
    `packages=(${packages.join(" ")})`,
    "# Not a Debian-family node (CoreOS-style rkt hosts, say): nothing here can install or check them.",
    "if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then",
    "  printf 'hygiene: apt-get or dpkg-query not found; install %s with the package manager of this node\\n' \"${packages[*]}\"",
    "  exit 3",
    "fi",
    ...templateText("missing-packages.sh").split("\n"),
    'mapfile -t wanted < <(missing_packages "${packages[@]}")',
    'reason=""',
  ];
  if (install) {
    lines.push(
      ...templateText("package-source-probe.sh").split("\n"),
      'if [ "${#wanted[@]}" -gt 0 ] && ! source_answers=$(package_source_answers); then',
      '  reason="no package source answers ($source_answers)"',
      "  wanted_later=1",
      "fi",
      'if [ "${#wanted[@]}" -gt 0 ] && [ -z "${wanted_later:-}" ]; then',
      `  apt_bounds=(${APT_BOUNDS})`,
      "  export DEBIAN_FRONTEND=noninteractive",
      "  printf 'hygiene: installing %s\\n' \"${wanted[*]}\"",
      '  if ! output=$(timeout 120 apt-get "${apt_bounds[@]}" update -qq 2>&1); then',
      "    reason=\"apt-get update: ${output##*$'\\n'}\"",
      "  fi",
      '  if ! output=$(timeout 600 apt-get "${apt_bounds[@]}" install -y -qq "${wanted[@]}" 2>&1); then',
      "    reason=\"${reason:+$reason; }apt-get install: ${output##*$'\\n'}\"",
      "  fi",
      '  mapfile -t wanted < <(missing_packages "${packages[@]}")',
      "fi",
    );
  } else {
    lines.push('reason="hygiene.installPackages is false: this script downloads nothing"');
  }
  if (spec.hygiene.monit) {
    lines.push(
      "",
      `# monit reads ${MONIT_PATH} (install.sh placed it); start it at boot and now.`,
      "if command -v monit >/dev/null 2>&1 && command -v systemctl >/dev/null 2>&1; then",
      "  systemctl enable --quiet monit",
      "  systemctl restart monit",
      "fi",
    );
  }
  lines.push(
    "",
    'if [ "${#wanted[@]}" -gt 0 ]; then',
    '  printf \'hygiene: not installed: %s (%s)\\n\' "${wanted[*]}" "${reason:-unknown}"',
    "  printf 'hygiene: the node runs without them; install them later: sudo apt-get install %s\\n' \"${wanted[*]}\"",
    "  exit 3",
    "fi",
    "printf 'hygiene: %s installed\\n' \"${packages[*]}\"",
  );
  const what = [
    spec.hygiene.autoUpgrades ? "automatic upgrades" : "",
    spec.hygiene.logrotate ? "log rotation" : "",
    spec.hygiene.monit ? "monit" : "",
    spec.hygiene.storageClients.length > 0
      ? `storage clients (${spec.hygiene.storageClients.join(", ")})`
      : "",
  ].filter((each) => each !== "");
  const list =
    what.length > 1 ? `${what.slice(0, -1).join(", ")} and ${what[what.length - 1] ?? ""}` : what.join("");
  const why = `Installs the packages for ${list} on ${node.name}.`;
  return artifact(HYGIENE_PACKAGES_PATH, `${lines.join("\n")}\n`, {
    kind: "script",
    why,
    requirements: ["S22"],
  });
}

export function hygieneArtifacts(context: NodeContext): Artifact[] {
  const { hygiene } = context.spec;
  const artifacts: Artifact[] = [];
  if (hygiene.autoUpgrades) artifacts.push(...autoUpgradeArtifacts(context));
  if (hygiene.logrotate) artifacts.push(logrotateArtifact(context));
  if (hygiene.monit) artifacts.push(monitArtifact(context));
  const packages = hygienePackages(context);
  if (packages.length > 0) artifacts.push(packagesScript(context, packages));
  return artifacts;
}
