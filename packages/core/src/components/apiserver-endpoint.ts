// The highly available API endpoint (controlPlane.endpoint) when kubescratch runs its load balancer
// ("keepalived-haproxy", kubeadm's HA guide, docs/ha-considerations.md): on every control-plane node
// haproxy listens on the endpoint's port and balances over every apiserver that answers /readyz, and
// keepalived holds the virtual IP on one node whose haproxy answers, moving it within seconds when
// that node or its haproxy goes. VRRP runs over unicast between the control-plane nodes, so networks
// that filter multicast (most clouds and many switches) carry it too. An "external" load balancer is
// the operator's own: nothing is written for it.
import type { Artifact } from "../artifact.js";
import { renderTemplate } from "../render/template.js";
import { artifact, hostPort, isControlPlane, type NodeContext } from "./context.js";
import { execStart } from "./kubelet.js";
import {
  CHECK_SCRIPT_PATH,
  HAPROXY_CONFIG_PATH,
  HAPROXY_UNIT,
  KEEPALIVED_CONFIG_PATH,
  KEEPALIVED_UNIT,
} from "../install-paths.js";

export const HAPROXY_BINARY = "/usr/sbin/haproxy";
export const KEEPALIVED_BINARY = "/usr/sbin/keepalived";

function unitArtifact(
  context: NodeContext,
  path: string,
  facts: {
    why: string;
    description: string;
    documentation: string;
    execStart: string;
    dynamicUser?: boolean;
    checkConfig?: string;
    reload?: string;
  },
): Artifact {
  return artifact(
    path,
    renderTemplate("apiserver-endpoint.service.hbs", { path, node: context.node.name, ...facts }),
    {
      kind: "systemd-unit",
      why: facts.why,
      requirements: ["S6", "S25"],
    },
  );
}

/** The control-plane nodes' own load balancer and virtual IP, when the endpoint asks for them. */
export function apiserverEndpointArtifacts(context: NodeContext): Artifact[] {
  const { plan, spec, node } = context;
  const endpoint = plan.controlPlane.endpoint;
  const chosen = spec.controlPlane.endpoint;
  if (endpoint?.loadBalancer !== "keepalived-haproxy" || chosen === undefined || !isControlPlane(context))
    return [];
  const controlPlanes = plan.nodes.filter((other) => other.roles.includes("control-plane"));
  const apiserverPort = plan.controlPlane.apiserverPort;
  const haproxyWhy = `haproxy on ${node.name}: the endpoint's port ${endpoint.port} balances over every apiserver that answers /readyz.`;
  const keepalivedWhy = `keepalived on ${node.name}: holds the endpoint's virtual IP ${endpoint.host} while this node's haproxy reaches an apiserver.`;
  const checkWhy = `keepalived's health check on ${node.name}: this node's haproxy reaches an apiserver that is ready.`;
  // Plan order decides who holds the address when all are healthy: the first control-plane node.
  const priority = 150 - controlPlanes.findIndex((other) => other.name === node.name);
  return [
    artifact(
      HAPROXY_CONFIG_PATH,
      renderTemplate("haproxy.cfg.hbs", {
        path: HAPROXY_CONFIG_PATH,
        node: node.name,
        why: haproxyWhy,
        bind: `:${endpoint.port}`,
        servers: controlPlanes.map((other) => ({
          name: other.name,
          address: hostPort(other.ip, apiserverPort),
        })),
      }),
      { kind: "config", why: haproxyWhy, requirements: ["S6", "S25"] },
    ),
    artifact(
      KEEPALIVED_CONFIG_PATH,
      renderTemplate("keepalived.conf.hbs", {
        path: KEEPALIVED_CONFIG_PATH,
        node: node.name,
        why: keepalivedWhy,
        checkScript: CHECK_SCRIPT_PATH,
        interface: chosen.interface ?? "",
        virtualRouterId: chosen.virtualRouterId,
        priority,
        nodeIp: node.ip,
        peers: controlPlanes.filter((other) => other.name !== node.name).map((other) => other.ip),
        vip: endpoint.host,
      }),
      { kind: "config", why: keepalivedWhy, requirements: ["S6", "S25"] },
    ),
    artifact(
      CHECK_SCRIPT_PATH,
      renderTemplate("check-apiserver.sh.hbs", {
        path: CHECK_SCRIPT_PATH,
        node: node.name,
        why: checkWhy,
        url: `https://${hostPort("127.0.0.1", endpoint.port)}/readyz`,
      }),
      { kind: "script", why: checkWhy, requirements: ["S25"] },
    ),
    unitArtifact(context, `/etc/systemd/system/${HAPROXY_UNIT}`, {
      why: `Runs haproxy on ${node.name} with ${HAPROXY_CONFIG_PATH}, as a user of its own: the endpoint's load balancer.`,
      description: "haproxy: the Kubernetes API endpoint's load balancer",
      documentation: "https://docs.haproxy.org/",
      dynamicUser: true,
      checkConfig: `${HAPROXY_BINARY} -c -q -f ${HAPROXY_CONFIG_PATH}`,
      execStart: execStart(HAPROXY_BINARY, ["-W", "-f", HAPROXY_CONFIG_PATH]),
      reload: "/bin/kill -USR2 $MAINPID",
    }),
    unitArtifact(context, `/etc/systemd/system/${KEEPALIVED_UNIT}`, {
      why: `Runs keepalived on ${node.name} with ${KEEPALIVED_CONFIG_PATH}: VRRP only, so it needs no IPVS.`,
      description: "keepalived: the Kubernetes API endpoint's virtual IP",
      documentation: "https://keepalived.readthedocs.io/",
      execStart: execStart(KEEPALIVED_BINARY, [
        "--dont-fork",
        "--log-console",
        "--vrrp",
        `--use-file=${KEEPALIVED_CONFIG_PATH}`,
        "--pid=/run/kube-apiserver-vip.pid",
        "--vrrp_pid=/run/kube-apiserver-vip-vrrp.pid",
      ]),
      reload: "/bin/kill -HUP $MAINPID",
    }),
  ];
}
