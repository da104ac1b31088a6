// Node hygiene (S22): automatic package upgrades (unattended-upgrades, the cluster's own packages
// held back), log rotation for the component logs (logrotate), liveness checks for the node's
// daemons and, on control-plane nodes, the apiserver's health endpoint (monit), and the packages all
// of that needs plus the storage plugin clients, installed by one script of the install step.
import type { Artifact } from "../artifact.js";
import { renderTemplate, templateText } from "../render/template.js";
import { artifact, isControlPlane, type NodeContext } from "./context.js";
import { KUBE_PROXY_BINARY } from "./kube-proxy.js";
import { KUBELET_BINARY } from "./kubelet.js";
import { CONTAINERD_SOCKET } from "./runtime.js";
import { HYGIENE_PACKAGES_PATH } from "../install-paths.js";

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
      renderTemplate("apt-auto-upgrades.conf.hbs", { path: AUTO_UPGRADES_PATH, node: context.node.name }),
      {
        kind: "config",
        why: "Turns on daily automatic package upgrades (unattended-upgrades).",
        requirements: ["S22"],
      },
    ),
    artifact(
      UNATTENDED_UPGRADES_PATH,
      renderTemplate("apt-unattended-upgrades.conf.hbs", {
        path: UNATTENDED_UPGRADES_PATH,
        node: context.node.name,
        // Blacklist entries are regular expressions: the whole name, its dots and pluses literal.
        heldBack: held.map((name) => `^${name.replace(/[.+]/g, "\\$&")}$`),
      }),
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
  const content = renderTemplate("logrotate.conf.hbs", {
    path: LOGROTATE_PATH,
    node: context.node.name,
    componentLogs: logFiles(context).join(" "),
    // docker's json-file logs get a stanza of their own; containerd's are the kubelet's to rotate.
    dockerLogs: runtime.type === "docker" ? [`${runtime.rootDir}/containers/*/*-json.log`] : [],
    notes:
      runtime.type === "containerd"
        ? ["Container logs (/var/log/pods) are rotated by the kubelet (containerLogMaxSize)."]
        : [],
  });
  return artifact(LOGROTATE_PATH, content, {
    kind: "config",
    why: "Rotates the component logs (and docker's container logs) so they cannot fill the disk.",
    requirements: ["S22"],
  });
}

function monitArtifact(context: NodeContext): Artifact {
  const { spec, plan, profile, node } = context;
  const service = (name: string, match: string, unit: string, test?: string) => ({
    name,
    match,
    unit,
    tests: test ? [test] : [],
  });
  const http = (port: number, path: string, host = "127.0.0.1"): string =>
    `if failed host ${host} port ${port} protocol http request "${path}" with timeout 10 seconds for 3 cycles then restart`;
  const runtimeService = (() => {
    switch (spec.runtime.type) {
      case "docker":
        return service("docker", "docker daemon", "docker");
      case "rkt":
        return context.profile.rkt?.apiService !== undefined
          ? service("rkt-api", "rkt api-service", "rkt-api")
          : service("rkt-metadata", "rkt metadata-service", "rkt-metadata");
      case "containerd":
        return service(
          "containerd",
          "^/usr/bin/containerd$",
          "containerd",
          `if failed unixsocket ${CONTAINERD_SOCKET} for 3 cycles then restart`,
        );
    }
  })();
  // kube-proxy's health: 127.0.0.1:10249 in the seed's releases, 0.0.0.0:10256 today.
  const proxyPort = profile.era === "legacy" ? 10249 : 10256;
  // The apiserver is a static pod: the kubelet restarts it; monit reports it. The seed's releases
  // answer on the insecure port (on loopback when https is on), current ones on the secure port.
  const apiserver =
    profile.era === "legacy"
      ? {
          address: plan.security.mode === "https" ? "127.0.0.1" : node.ip,
          port: profile.apiserverInsecurePort ?? 8080,
          protocol: "http",
          path: profile.health.apiserverLiveness,
        }
      : {
          address: node.ip,
          port: plan.controlPlane.apiserverPort,
          protocol: "https",
          path: profile.health.apiserverLiveness,
        };
  const content = renderTemplate("monit.conf.hbs", {
    path: MONIT_PATH,
    node: node.name,
    services: [
      runtimeService,
      service("kubelet", `^${KUBELET_BINARY}`, "kubelet", http(KUBELET_HEALTHZ_PORT, "/healthz")),
      service("kube-proxy", `^${KUBE_PROXY_BINARY}`, "kube-proxy", http(proxyPort, "/healthz")),
    ],
    apiserver: isControlPlane(context) ? [apiserver] : [],
  });
  return artifact(MONIT_PATH, content, {
    kind: "config",
    why: `Liveness checks for the runtime, kubelet and kube-proxy${isControlPlane(context) ? " and the apiserver's health endpoint" : ""} (monit restarts what stops answering).`,
    requirements: ["S22", "S29"],
  });
}

// The hygiene script (templates/install-packages.sh.hbs) shares two bash functions with install.sh's
// preflight: missing_packages NAME... (templates/missing-packages.sh) prints each named Debian package
// that is not installed, so both agree on what is missing; package_source_answers
// (templates/package-source-probe.sh) prints the first apt source that accepts a TCP connection within
// 3 seconds (or a local file: source), else what it tried, and fails, so neither waits on a network
// that is not there.
function packagesScript(context: NodeContext, packages: readonly string[]): Artifact {
  const { spec, node } = context;
  const install = spec.hygiene.installPackages;
  // The template's optional parts are lists of zero or one entry: which ones appear is decided here.
  const content = renderTemplate("install-packages.sh.hbs", {
    path: HYGIENE_PACKAGES_PATH,
    node: node.name,
    purpose: install
      ? "Installs what the node's hygiene needs and the storage plugin clients; safe to run again."
      : "Reports which hygiene packages and storage clients are missing: hygiene.installPackages is false, so nothing is downloaded.",
    packages: packages.join(" "),
    missingPackages: templateText("missing-packages.sh"),
    install: install ? [{ packageSourceProbe: templateText("package-source-probe.sh") }] : [],
    reportOnly: install ? [] : [{}],
    monit: spec.hygiene.monit ? [MONIT_PATH] : [],
  });
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
  return artifact(HYGIENE_PACKAGES_PATH, content, {
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
