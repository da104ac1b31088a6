// The shell scripts inside the bundles: install.sh and validate.sh for every node; validate-cluster.sh,
// the nginx example and the README for the admin. Pure functions from facts to script text: every
// decision (which checks, which values, where backups go) is made here in TypeScript; the text itself
// lives in packages/core/templates/ (install-head.sh.hbs and install.sh, validate.sh.hbs and
// validate/, validate-cluster-head.sh.hbs and validate-cluster.sh, admin-README.md.hbs), and the bash
// that comes out only carries the values and does what it is told. Values reach bash single-quoted,
// so a path or a name can never be read as code.
import { shellQuote } from "../render/quote.js";
import { toYaml } from "../render/yaml.js";
import { CHECK_IMAGES, MANIFEST_DIR } from "../install-paths.js";
import { renderTemplate, templateText } from "../render/template.js";

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

// templates/install.sh is the part of install.sh that does not depend on the node. Variables it
// expects from the head (install-head.sh.hbs): NODE_NAME, KUBERNETES_VERSION, FILES (rows of path,
// mode, secret|plain, backup name), NETWORK_SCRIPTS, UNITS, and the function preflight.

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
  // The head carries the node's values (shell-quoted in `shell`, arrays written by bashArray); the
  // body, templates/install.sh, is the same on every node.
  const head = renderTemplate("install-head.sh.hbs", {
    nodeName: input.nodeName,
    kubernetesVersion: input.kubernetesVersion,
    shell: {
      nodeName: shellQuote(input.nodeName),
      kubernetesVersion: shellQuote(input.kubernetesVersion),
      resolvConfLink: shellQuote(input.resolvConf?.link ? input.resolvConf.path : ""),
      hygieneScript: shellQuote(input.hygieneScript ?? ""),
    },
    files: bashArray(
      "FILES",
      input.files.map((file) => [
        file.path,
        octalMode(file.mode),
        file.secret ? "secret" : "plain",
        backupPath(file.path),
      ]),
    ).join("\n"),
    directories: bashArray(
      "DIRECTORIES",
      (input.directories ?? []).map((directory) => [directory]),
    ).join("\n"),
    networkScripts: bashArray(
      "NETWORK_SCRIPTS",
      input.networkScripts.map((script) => [script]),
    ).join("\n"),
    units: bashArray(
      "UNITS",
      input.units.map((unit) => [unit]),
    ).join("\n"),
    preflight,
    missingPackages: templateText("missing-packages.sh"),
    packageSourceProbe: templateText("package-source-probe.sh"),
  });
  return head + templateText("install.sh");
}

// ---------------------------------------------------------------------------------------------
// validate.sh

const CONTAINER_LISTERS = {
  docker: { how: "docker ps | grep", body: "validate/container-running-docker.sh" },
  containerd: { how: "crictl ps --name", body: "validate/container-running-containerd.sh" },
  rkt: { how: "rkt list | grep", body: "validate/container-running-rkt.sh" },
} as const satisfies Record<ValidateScriptInput["runtime"], { how: string; body: string }>;

/** A bash function of validate.sh, from templates/validate/, without its final newline. */
function validateFunction(name: Parameters<typeof templateText>[0]): string {
  return templateText(name).trimEnd();
}

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
  if (controlPlane || etcd) functions.push(validateFunction(runtime.body));
  if (etcd) check(`an etcd container runs (${runtime.how} etcd)`, "container_running", "etcd");
  if (controlPlane) {
    // /api through kubectl when the node has credentials, else plain curl (the seed's insecure port).
    functions.push(
      validateFunction(
        kubectl ? "validate/apiserver-answers-kubectl.sh" : "validate/apiserver-answers-curl.sh",
      ),
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
    functions.push(validateFunction("validate/kubelet-healthy.sh"));
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
      renderTemplate("validate/endpoint-healthy.sh.hbs", {
        curl: [...endpointCurl, `${endpoint}/healthz`].map(shellQuote).join(" "),
      }).trimEnd(),
    );
    check(
      `the API endpoint ${endpoint} answers /healthz with a certificate for its host`,
      "endpoint_healthy",
    );
  }
  if (kubectl) {
    functions.push(validateFunction("validate/node-registered.sh"));
    check(`node ${input.nodeName} is registered (kubectl get node ${input.nodeName})`, "node_registered");
  } else {
    checks.push(
      `skip ${shellQuote(`node ${input.nodeName} is registered: check it from the admin machine (kubectl get nodes, or ./validate-cluster.sh)`)}`,
    );
  }

  return renderTemplate("validate.sh.hbs", {
    nodeName: input.nodeName,
    variables,
    checkFunctions: templateText("check-functions.sh"),
    functions,
    checks,
  });
}

// ---------------------------------------------------------------------------------------------
// validate-cluster.sh (admin bundle)

// What the probe pod prints when a check passes; templates/validate-cluster.sh looks for the same words.
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
  // The values reach bash shell-quoted (`shell`); the comment names the cluster as it is.
  const head = renderTemplate("validate-cluster-head.sh.hbs", {
    clusterName: input.clusterName,
    kubeconfig,
    nodes: bashArray(
      "NODES",
      input.nodeNames.map((name) => [name]),
    ).join("\n"),
    shell: {
      clusterName: shellQuote(input.clusterName),
      dnsServiceIp: shellQuote(input.dnsServiceIp),
      namespace: shellQuote(CHECK_NAMESPACE),
      checkLabel: shellQuote(`${CHECK_LABEL}=${CHECK_LABEL_VALUE}`),
    },
    seedKubectl: seedKubectl ? 1 : 0,
    nginxController: nginxController(input.kubernetesVersion),
    probePod: probePod(input.clusterDomain).trimEnd(),
  });
  // The head (values, options), the shared check functions, then the checks themselves.
  return `${head}${templateText("check-functions.sh")}\n${templateText("validate-cluster.sh")}`;
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
    "# The nginx example of validate-cluster.sh: two nginx replicas behind a service, in a namespace",
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
  return renderTemplate("admin-README.md.hbs", {
    clusterName: input.clusterName,
    kubernetesVersion: input.kubernetesVersion,
    kubeconfig,
    addonsEnd: input.dnsEnabled ? " (among them the DNS addon)." : ".",
    nodes: input.nodes.map((node) => ({ name: node.name, roles: node.roles.join(", "), ip: node.ip })),
    steps: steps.map((step, index) => `${index + 1}. ${step[0]?.toUpperCase() ?? ""}${step.slice(1)}.`),
    // Where kubectl runs: here, or (firewall-only) on a node that may reach the plain-HTTP port.
    then:
      input.kubectlOnNode === undefined
        ? ["Then, from this machine:"]
        : [
            `Then, on \`${input.kubectlOnNode}\` (the firewall lets only the nodes and the pods reach the`,
            "apiserver's plain-HTTP port): copy this bundle there, unpack it, and run",
          ],
  });
}
