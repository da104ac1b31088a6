// What a running cluster must do, checked from the admin's machine and from every node: the
// apiserver answers, the controllers hold their leases, every node is Ready, pods get addresses from
// their node's planned range and reach each other across nodes, Services and DNS answer everywhere.
import type { ClusterPlan } from "@kubescratch/core";
import { CHECK_IMAGES, CONTROL_PLANE_ROLE_LABEL, controlPlaneTaint } from "@kubescratch/core";
import { waitFor, type RunOptions, type RunResult } from "./exec.js";
import { dualStackChecks } from "./dualstack-checks.js";
import { insideCidr, tail, urlHost } from "./layout.js";
import type { SandboxNode } from "./sandbox.js";
import type { CheckResult } from "./rehearse.js";
import {
  kubeletAvoidsResolvedStub,
  kubeletRenewedClientCertificate,
  renewalDue,
  type KubeletSettings,
} from "./kubelet-checks.js";

export type Kubectl = (args: readonly string[], options?: RunOptions) => Promise<RunResult>;

export interface ClusterCheckInput {
  readonly plan: ClusterPlan;
  readonly nodes: ReadonlyMap<string, SandboxNode>;
  readonly kubectl: Kubectl;
  readonly log: (line: string) => void;
  readonly readyTimeout: number;
  /** The apiserver's --allow-privileged, as its generated manifest says (undefined: not set). */
  readonly allowPrivileged?: boolean;
  /** Each node's kubelet settings, as its bundle writes them. */
  readonly kubelets?: ReadonlyMap<string, KubeletSettings>;
  /** The nodes are systemd-resolved hosts (SandboxNode's `resolved`). */
  readonly systemdResolved?: boolean;
}

/** Created with --dry-run=server: the apiserver validates it in full and stores nothing. */
const PRIVILEGED_POD = `apiVersion: v1
kind: Pod
metadata:
  name: kubescratch-privileged-probe
  namespace: default
spec:
  containers:
    - name: probe
      image: registry.k8s.io/pause:3.10
      securityContext:
        privileged: true
`;

const NAMESPACE = "kubescratch-rehearse";

async function check(name: string, test: () => Promise<string | undefined>): Promise<CheckResult> {
  try {
    const problem = await test();
    return problem === undefined ? { name, ok: true } : { name, ok: false, detail: problem };
  } catch (caught) {
    return { name, ok: false, detail: caught instanceof Error ? caught.message : String(caught) };
  }
}

function output(result: RunResult): string {
  return tail(result, 6);
}

/** The node asks the DNS Service for kubernetes.default and gets the kubernetes Service's address. */
async function nodeResolvesKubernetes(node: SandboxNode, plan: ClusterPlan): Promise<string | undefined> {
  const result = await node.exec(
    [
      "dig",
      "+short",
      "+time=3",
      "+tries=2",
      `@${plan.network.dnsServiceIP}`,
      `kubernetes.default.svc.${plan.network.clusterDomain}`,
      // The kubernetes Service has the primary family's address only: an IPv6 one is an AAAA record.
      plan.network.kubernetesServiceIP.includes(":") ? "AAAA" : "A",
    ],
    { allowFailure: true },
  );
  const answer = result.stdout.trim();
  return answer === plan.network.kubernetesServiceIP ? undefined : `answered "${answer}" ${output(result)}`;
}

interface DnsPod {
  metadata: { name: string };
  status?: {
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; restartCount: number }[];
  };
}

/**
 * Every CoreDNS pod is Ready, and no restart was CoreDNS's loop plugin ending it: a resolv.conf that
 * names a local stub (127.0.0.53) makes CoreDNS forward to itself, detect it and exit.
 */
export async function coreDnsRuns(kubectl: Kubectl, timeoutMs: number): Promise<string | undefined> {
  // A loop ends CoreDNS at once and again after every restart: found, it is the answer, not a wait.
  const loops = async (items: readonly DnsPod[]): Promise<string[]> => {
    const found: string[] = [];
    for (const pod of items)
      for (const container of pod.status?.containerStatuses ?? []) {
        if (container.restartCount === 0) continue;
        const previous = await kubectl([
          "-n",
          "kube-system",
          "logs",
          "--previous",
          pod.metadata.name,
          "-c",
          container.name,
        ]);
        const line = previous.stdout.split("\n").find((text) => text.includes("plugin/loop"));
        if (line) found.push(`${pod.metadata.name}: ${line.trim()}`);
      }
    return found;
  };
  const outcome = await waitFor(
    "every kube-dns pod to be Ready",
    async () => {
      const text = await kubectlOk(kubectl, [
        "-n",
        "kube-system",
        "get",
        "pods",
        "-l",
        "k8s-app=kube-dns",
        "-o",
        "json",
      ]);
      const items = (JSON.parse(text) as { items: DnsPod[] }).items;
      if (items.length === 0) throw new Error("no pod labelled k8s-app=kube-dns");
      const looped = await loops(items);
      if (looped.length > 0) return looped.join("\n");
      const notReady = items.filter(
        (pod) =>
          !(pod.status?.conditions ?? []).some(
            (condition) => condition.type === "Ready" && condition.status === "True",
          ),
      );
      if (notReady.length > 0)
        throw new Error(`not Ready: ${notReady.map((pod) => pod.metadata.name).join(", ")}`);
      return "ready";
    },
    timeoutMs,
    3000,
  );
  return outcome === "ready" ? undefined : outcome;
}

/** The node reaches a Service's ClusterIP over HTTP (kube-proxy's rules on the node). */
async function nodeReachesService(node: SandboxNode, serviceIP: string): Promise<string | undefined> {
  const result = await node.exec(
    ["curl", "-fsS", "--max-time", "5", "-o", "/dev/null", `http://${urlHost(serviceIP)}/`],
    {
      allowFailure: true,
    },
  );
  return result.code === 0 ? undefined : output(result);
}

async function kubectlOk(kubectl: Kubectl, args: readonly string[], options?: RunOptions): Promise<string> {
  const result = await kubectl(args, options);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${output(result)}`);
  return result.stdout;
}

function workload(nodes: readonly string[]): string {
  const web = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: NAMESPACE },
    spec: {
      replicas: nodes.length,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: "kubernetes.io/hostname",
              whenUnsatisfiable: "DoNotSchedule",
              labelSelector: { matchLabels: { app: "web" } },
            },
          ],
          tolerations: [{ operator: "Exists" }],
          containers: [{ name: "web", image: CHECK_IMAGES.web, ports: [{ containerPort: 80 }] }],
        },
      },
    },
  };
  const service = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: NAMESPACE },
    spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] },
  };
  const clients = nodes.map((node) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `client-${node}`, namespace: NAMESPACE, labels: { app: "client" } },
    spec: {
      nodeName: node,
      tolerations: [{ operator: "Exists" }],
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "client", image: CHECK_IMAGES.probe, command: ["sleep", "3600"] }],
    },
  }));
  return JSON.stringify({ apiVersion: "v1", kind: "List", items: [web, service, ...clients] });
}

export interface PodInfo {
  readonly name: string;
  readonly namespace: string;
  readonly node: string;
  readonly ip: string;
  /** Every address, the primary family's first (status.podIPs): two on a dual-stack pod. */
  readonly ips: readonly string[];
  readonly hostNetwork: boolean;
  readonly phase: string;
}

async function pods(kubectl: Kubectl, namespace?: string): Promise<PodInfo[]> {
  const text = await kubectlOk(kubectl, [
    "get",
    "pods",
    ...(namespace ? ["-n", namespace] : ["--all-namespaces"]),
    "-o",
    "json",
  ]);
  const list = JSON.parse(text) as {
    items: {
      metadata: { name: string; namespace: string };
      spec: { nodeName?: string; hostNetwork?: boolean };
      status: { podIP?: string; podIPs?: { ip: string }[]; phase?: string };
    }[];
  };
  return list.items.map((item) => ({
    name: item.metadata.name,
    namespace: item.metadata.namespace,
    node: item.spec.nodeName ?? "",
    ip: item.status.podIP ?? "",
    ips: item.status.podIPs?.map((entry) => entry.ip) ?? (item.status.podIP ? [item.status.podIP] : []),
    hostNetwork: item.spec.hostNetwork === true,
    phase: item.status.phase ?? "",
  }));
}

/** The web Service's ClusterIP (made by clusterChecks), or "" when there is none. */
export async function webServiceIP(kubectl: Kubectl): Promise<string> {
  const result = await kubectl([
    "-n",
    NAMESPACE,
    "get",
    "service",
    "web",
    "-o",
    "jsonpath={.spec.clusterIP}",
  ]);
  return result.code === 0 ? result.stdout.trim() : "";
}

export async function clusterChecks(input: ClusterCheckInput): Promise<CheckResult[]> {
  const { plan, nodes, kubectl } = input;
  const results: CheckResult[] = [];
  const alive = plan.nodes;
  const domain = plan.network.clusterDomain;

  results.push(
    await check("apiserver /readyz through the admin kubeconfig", async () => {
      const result = await kubectl(["get", "--raw", "/readyz"]);
      return result.stdout.trim() === "ok" ? undefined : output(result);
    }),
  );
  for (const lease of ["kube-controller-manager", "kube-scheduler"])
    results.push(
      await check(`${lease} holds its leader lease`, async () => {
        const text = await waitFor(
          `the ${lease} lease`,
          async () => {
            const result = await kubectl(["-n", "kube-system", "get", "lease", lease, "-o", "json"]);
            return result.code === 0 ? result.stdout : undefined;
          },
          input.readyTimeout,
        );
        const leaseObject = JSON.parse(text) as { spec?: { holderIdentity?: string; renewTime?: string } };
        const holder = leaseObject.spec?.holderIdentity ?? "";
        const renewed = Date.parse(leaseObject.spec?.renewTime ?? "");
        if (!holder) return "no holder";
        const age = (Date.now() - renewed) / 1000;
        return age < 60 ? undefined : `held by ${holder}, last renewed ${Math.round(age)} s ago`;
      }),
    );

  for (const node of alive)
    results.push(
      await check(
        `node ${node.name} carries its labels${controlPlaneTaint(node) ? " and the control-plane taint" : ""} (admin/nodes.yaml)`,
        async () => {
          const result = await kubectl(["get", "node", node.name, "-o", "json"]);
          if (result.code !== 0) return output(result);
          const object = JSON.parse(result.stdout) as {
            metadata?: { labels?: Record<string, string> };
            spec?: { taints?: { key: string; effect: string }[] };
          };
          const labels = object.metadata?.labels ?? {};
          const wanted: Record<string, string> = {
            ...(node.roles.includes("control-plane") ? { [CONTROL_PLANE_ROLE_LABEL]: "" } : {}),
            ...node.labels,
          };
          const missing = Object.entries(wanted).filter(([key, value]) => labels[key] !== value);
          const tainted = (object.spec?.taints ?? []).some(
            (taint) => taint.key === CONTROL_PLANE_ROLE_LABEL && taint.effect === "NoSchedule",
          );
          const problems = [
            ...missing.map(([key, value]) => `label ${key}=${value} is ${labels[key] ?? "missing"}`),
            ...(tainted === controlPlaneTaint(node)
              ? []
              : [tainted ? "tainted, but it runs workloads" : "no control-plane NoSchedule taint"]),
          ];
          return problems.length === 0 ? undefined : problems.join("; ");
        },
      ),
    );

  const allowed = input.allowPrivileged;
  if (allowed !== undefined)
    results.push(
      await check(
        `a privileged pod is ${allowed ? "admitted" : "refused"} (kube-apiserver --allow-privileged=${allowed})`,
        async () => {
          const result = await kubectl(["create", "--dry-run=server", "-o", "name", "-f", "-"], {
            input: PRIVILEGED_POD,
          });
          if ((result.code === 0) === allowed) return undefined;
          return allowed ? output(result) : "the apiserver admitted it";
        },
      ),
    );

  for (const node of alive)
    results.push(
      await check(`node ${node.name} is registered by its kubelet and Ready`, async () => {
        await waitFor(
          `node ${node.name} Ready`,
          async () => {
            const result = await kubectl([
              "get",
              "node",
              node.name,
              "-o",
              `jsonpath={.status.conditions[?(@.type=="Ready")].status}`,
            ]);
            if (result.code !== 0) throw new Error(output(result));
            if (result.stdout.trim() !== "True")
              throw new Error(`Ready is ${result.stdout.trim() || "unknown"}`);
            return true;
          },
          input.readyTimeout,
        );
        return undefined;
      }),
    );

  for (const node of alive) {
    const settings = input.kubelets?.get(node.name);
    const sandbox = nodes.get(node.name);
    if (!settings || !sandbox) continue;
    if (renewalDue(settings, Date.now()))
      results.push(
        await check(
          `node ${node.name}'s kubelet renews its client certificate through the API (an approved CSR, signed by the controller-manager, in ${settings.currentCertificateFile})`,
          () => kubeletRenewedClientCertificate(kubectl, sandbox, settings, input.readyTimeout),
        ),
      );
    if (input.systemdResolved)
      results.push(
        await check(
          `node ${node.name} runs systemd-resolved (/etc/resolv.conf names only 127.0.0.53), and its kubelet hands pods the upstream servers (${settings.resolvConf})`,
          () => kubeletAvoidsResolvedStub(sandbox, settings),
        ),
      );
  }

  results.push(
    await check(
      "CoreDNS runs: every kube-dns pod is Ready, and none was stopped by a forwarding loop (plugin/loop)",
      () => coreDnsRuns(kubectl, input.readyTimeout),
    ),
  );

  const schedulable = alive.map((node) => node.name);
  let workloadReady = false;
  {
    results.push(
      await check(
        `a Deployment spread over ${schedulable.length} node(s) runs, with a client pod per node`,
        async () => {
          await kubectl(["delete", "namespace", NAMESPACE, "--wait=true"], { timeoutMs: 120_000 });
          await kubectlOk(kubectl, ["create", "namespace", NAMESPACE]);
          // apply is idempotent: a write that etcd times out under load (seen on 2 busy cores) is retried.
          await waitFor(
            "kubectl apply of the web Deployment and client pods",
            async () => {
              await kubectlOk(kubectl, ["apply", "-f", "-"], { input: workload(schedulable) });
              return true;
            },
            60_000,
            3000,
          );
          await waitFor(
            "the web and client pods to run",
            async () => {
              const list = await pods(kubectl, NAMESPACE);
              const running = list.filter((pod) => pod.phase === "Running" && pod.ip);
              if (running.length < schedulable.length * 2)
                throw new Error(
                  list.map((pod) => `${pod.name} ${pod.phase || "Pending"} on ${pod.node || "?"}`).join(", "),
                );
              return true;
            },
            input.readyTimeout,
            3000,
          );
          workloadReady = true;
          return undefined;
        },
      ),
    );
  }

  results.push(
    await check("every pod's IP is inside its node's planned pod range", async () => {
      const planned = new Map(plan.nodes.map((node) => [node.name, node.podCIDR]));
      const wrong = (await pods(kubectl))
        .filter((pod) => pod.ip && !pod.hostNetwork)
        .filter((pod) => !insideCidr(pod.ip, planned.get(pod.node) ?? "0.0.0.0/32"))
        .map(
          (pod) =>
            `${pod.namespace}/${pod.name} on ${pod.node}: ${pod.ip} is outside ${planned.get(pod.node) ?? "?"}`,
        );
      return wrong.length === 0 ? undefined : wrong.join("\n");
    }),
  );

  if (workloadReady) {
    const webPods = (await pods(kubectl, NAMESPACE)).filter((pod) => pod.name.startsWith("web-"));
    for (const client of schedulable) {
      results.push(
        await check(
          `pods on ${client} reach every web pod, on every node, by pod IP${plan.network.secondary === undefined ? "" : " of each family"}`,
          async () => {
            // A dual-stack pod answers on each of its addresses: the IPv6 ones travel the nodes' IPv6 routes or tunnel.
            const targets = webPods.flatMap((pod) => pod.ips.map((ip) => ({ ip, node: pod.node })));
            const script = targets
              .map(({ ip }) => {
                return `wget -q -T 5 -O /dev/null http://${urlHost(ip)}/ && echo ok ${ip} || echo FAIL ${ip}`;
              })
              .join("; ");
            const result = await inClient(kubectl, client, ["sh", "-c", script]);
            const failed = result.stdout.split("\n").filter((line) => line.startsWith("FAIL"));
            if (result.code !== 0 && failed.length === 0) return output(result);
            return failed.length === 0
              ? undefined
              : failed
                  .map(
                    (line) =>
                      `${line.slice(5)} (on ${targets.find((target) => target.ip === line.slice(5))?.node ?? "?"})`,
                  )
                  .join(", ");
          },
        ),
      );
      if (plan.controlPlane.endpoint !== undefined)
        results.push(
          await check(
            `a pod on ${client} asks the API through the endpoint ${plan.controlPlane.apiserverURL}`,
            () => podReachesEndpoint(kubectl, client, plan.controlPlane.apiserverURL),
          ),
        );
      results.push(
        await check(
          `pods on ${client} resolve kubernetes.default.svc.${domain} and reach the web Service by name`,
          async () => {
            const result = await inClient(kubectl, client, [
              "sh",
              "-c",
              `nslookup kubernetes.default.svc.${domain} && wget -q -T 5 -O /dev/null http://web.${NAMESPACE}.svc.${domain}/`,
            ]);
            return result.code === 0 ? undefined : output(result);
          },
        ),
      );
    }
    if (plan.network.secondary !== undefined)
      await dualStackChecks({
        plan,
        kubectl,
        namespace: NAMESPACE,
        inClient: (client, command) => inClient(kubectl, client, command),
        clients: schedulable,
        allPods: () => pods(kubectl),
        onNode: async (name, command) => nodes.get(name)?.exec(command, { allowFailure: true }),
        readyTimeout: input.readyTimeout,
        check: async (name, test) => {
          const result = await check(name, test);
          results.push(result);
          return result;
        },
      });
    const clusterIP = await webServiceIP(kubectl);
    for (const node of alive) {
      const sandbox = nodes.get(node.name);
      if (!sandbox) continue;
      if (clusterIP)
        results.push(
          await check(`${node.name} reaches the web Service's ClusterIP ${clusterIP} (kube-proxy)`, () =>
            nodeReachesService(sandbox, clusterIP),
          ),
        );
      results.push(
        await check(
          `${node.name} resolves kubernetes.default.svc.${domain} at the DNS Service ${plan.network.dnsServiceIP}`,
          () => nodeResolvesKubernetes(sandbox, plan),
        ),
      );
    }
  }
  input.log(
    `cluster checks: ${results.filter((result) => result.ok).length} passed, ${results.filter((result) => !result.ok).length} failed`,
  );
  return results;
}

export interface AfterLossInput {
  readonly plan: ClusterPlan;
  readonly nodes: ReadonlyMap<string, SandboxNode>;
  readonly kubectl: Kubectl;
  readonly lost: string;
  /** The web Service's ClusterIP, read before the loss. */
  readonly serviceIP: string;
  /** When the node was powered off (ms since the epoch); default: now. */
  readonly lostAt?: number;
  readonly log?: (line: string) => void;
}

/** Runs a command in the client pod on `client` (made by clusterChecks). */
function inClient(kubectl: Kubectl, client: string, command: readonly string[]): Promise<RunResult> {
  return kubectl(["-n", NAMESPACE, "exec", `client-${client}`, "--", ...command]);
}

/**
 * The endpoint answers a pod's /healthz, anonymously (busybox's wget checks no certificate; the
 * nodes' validate.sh checks the endpoint's certificate against the cluster CA).
 */
async function podReachesEndpoint(
  kubectl: Kubectl,
  client: string,
  url: string,
): Promise<string | undefined> {
  const result = await inClient(kubectl, client, [
    "wget",
    "-q",
    "-T",
    "5",
    "-O",
    "-",
    "--no-check-certificate",
    `${url}/healthz`,
  ]);
  return result.stdout.trim() === "ok" ? undefined : output(result);
}

/** A kubeconfig on a node still reaches an apiserver (one try, five seconds). */
async function kubeconfigReaches(node: SandboxNode, kubeconfig: string): Promise<string | undefined> {
  const result = await node.exec(
    ["kubectl", "--kubeconfig", kubeconfig, "--request-timeout=5s", "get", "--raw", "/healthz"],
    { allowFailure: true, timeoutMs: 20_000 },
  );
  return result.stdout.trim() === "ok" ? undefined : output(result);
}

/**
 * How long the cluster may take to notice a lost node: the node lifecycle controller marks it
 * NotReady after node-monitor-grace-period (40 s, 50 s from 1.32), its pods leave the EndpointSlices,
 * and every kube-proxy drops them; client connections through the endpoint time out and reconnect.
 */
const CONVERGENCE_MS = 150_000;

/**
 * What works once a node is powered off: the admin kubeconfig, every other apiserver directly, each
 * survivor's own kubeconfigs (the kubelet's, kube-proxy's, the controller-manager's and the
 * scheduler's), pods reaching the API endpoint, Services and DNS from every survivor. Each is asked
 * until it passes or the cluster has had CONVERGENCE_MS to notice the loss, then once more.
 */
export async function afterLossChecks(input: AfterLossInput): Promise<CheckResult[]> {
  const { plan, nodes, kubectl, lost, serviceIP } = input;
  const alive = plan.nodes.filter((node) => node.name !== lost);
  const domain = plan.network.clusterDomain;
  const results: CheckResult[] = [];
  const lostAt = input.lostAt ?? Date.now();
  const settled = async (name: string, probe: () => Promise<string | undefined>): Promise<void> => {
    const result = await check(name, async () => {
      for (;;) {
        const problem = await probe();
        if (problem === undefined) {
          input.log?.(`after losing ${lost}: ${name} (${Math.round((Date.now() - lostAt) / 1000)} s)`);
          return undefined;
        }
        if (Date.now() - lostAt >= CONVERGENCE_MS) return problem;
        await new Promise((resolveSleep) => setTimeout(resolveSleep, 2000));
      }
    });
    results.push(result);
  };
  const readyz = async (args: readonly string[]): Promise<string | undefined> => {
    const result = await kubectl([...args, "--request-timeout=5s", "get", "--raw", "/readyz"], {
      timeoutMs: 20_000,
    });
    return result.stdout.trim() === "ok" ? undefined : output(result);
  };
  await settled("apiserver /readyz through the admin kubeconfig", () => readyz([]));
  for (const node of alive.filter((candidate) => candidate.roles.includes("control-plane")))
    await settled(`apiserver /readyz on ${node.name}, asked directly`, () =>
      readyz(["--server", `https://${node.ip}:${plan.controlPlane.apiserverPort}`]),
    );
  for (const node of alive) {
    const sandbox = nodes.get(node.name);
    if (!sandbox) continue;
    const kubeconfigs = [
      ["the kubelet", "/var/lib/kubelet/kubeconfig"],
      ["kube-proxy", "/var/lib/kube-proxy/kubeconfig"],
      ...(node.roles.includes("control-plane")
        ? [
            ["the controller-manager", "/etc/kubernetes/controller-manager.conf"],
            ["the scheduler", "/etc/kubernetes/scheduler.conf"],
          ]
        : []),
    ] as const;
    for (const [who, path] of kubeconfigs)
      await settled(`${node.name}: ${who}'s kubeconfig (${path}) reaches an apiserver`, () =>
        kubeconfigReaches(sandbox, path),
      );
    if (plan.controlPlane.endpoint !== undefined && !node.roles.includes("control-plane"))
      await settled(`a pod on ${node.name} asks the API through the endpoint`, () =>
        podReachesEndpoint(kubectl, node.name, plan.controlPlane.apiserverURL),
      );
    if (serviceIP)
      await settled(`${node.name} reaches the web Service's ClusterIP ${serviceIP}`, () =>
        nodeReachesService(sandbox, serviceIP),
      );
    await settled(`${node.name} resolves kubernetes.default.svc.${domain}`, () =>
      nodeResolvesKubernetes(sandbox, plan),
    );
  }
  return results;
}

/**
 * The seed's era (Kubernetes 1.1/1.2), asked with its own kubectl: no leases, no --dry-run=server,
 * no readyz. Every node registered by its kubelet and Ready, every pod's IP in its node's planned
 * range (docker's --bridge=cbr0 addresses them), and each node reaches the kubernetes Service's
 * ClusterIP through its kube-proxy.
 */
export async function legacyClusterChecks(input: ClusterCheckInput): Promise<CheckResult[]> {
  const { plan, nodes, kubectl } = input;
  const results: CheckResult[] = [];
  for (const node of plan.nodes)
    results.push(
      await check(`node ${node.name} is registered by its kubelet and Ready`, async () => {
        await waitFor(
          `node ${node.name} Ready`,
          async () => {
            const result = await kubectl(["get", "node", node.name, "-o", "json"]);
            if (result.code !== 0) throw new Error(output(result));
            const object = JSON.parse(result.stdout) as {
              status?: { conditions?: { type: string; status: string }[] };
            };
            const ready = object.status?.conditions?.find((condition) => condition.type === "Ready")?.status;
            if (ready !== "True") throw new Error(`Ready is ${ready ?? "unknown"}`);
            return true;
          },
          input.readyTimeout,
        );
        return undefined;
      }),
    );
  results.push(
    await check("every pod's IP is inside its node's planned pod range", async () => {
      const planned = new Map(plan.nodes.map((node) => [node.name, node.podCIDR]));
      const all = await pods(kubectl);
      const wrong = all
        .filter((pod) => pod.ip && !pod.hostNetwork)
        .filter((pod) => !insideCidr(pod.ip, planned.get(pod.node) ?? "0.0.0.0/32"))
        .map(
          (pod) =>
            `${pod.namespace}/${pod.name} on ${pod.node}: ${pod.ip} is outside ${planned.get(pod.node) ?? "?"}`,
        );
      if (!all.some((pod) => pod.ip && !pod.hostNetwork)) return "no pod with its own address to check";
      return wrong.length === 0 ? undefined : wrong.join("\n");
    }),
  );
  for (const node of plan.nodes) {
    const sandbox = nodes.get(node.name);
    if (!sandbox) continue;
    results.push(
      await check(
        `${node.name} reaches the kubernetes Service's ClusterIP ${plan.network.kubernetesServiceIP} (kube-proxy)`,
        async () => {
          const result = await sandbox.exec(
            [
              "curl",
              "-sk",
              "--max-time",
              "5",
              "-o",
              "/dev/null",
              "-w",
              "%{http_code}",
              `https://${urlHost(plan.network.kubernetesServiceIP)}/`,
            ],
            { allowFailure: true },
          );
          // Any HTTP answer (401 without credentials) is the apiserver's, reached through the rules.
          return /^[1-5]\d\d$/.test(result.stdout.trim()) ? undefined : output(result);
        },
      ),
    );
  }
  input.log(
    `cluster checks: ${results.filter((result) => result.ok).length} passed, ${results.filter((result) => !result.ok).length} failed`,
  );
  return results;
}
