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

export const ENDPOINT_DIRECTORY = "/etc/kubernetes/apiserver-endpoint";
export const HAPROXY_CONFIG_PATH = `${ENDPOINT_DIRECTORY}/haproxy.cfg`;
export const KEEPALIVED_CONFIG_PATH = `${ENDPOINT_DIRECTORY}/keepalived.conf`;
export const CHECK_SCRIPT_PATH = `${ENDPOINT_DIRECTORY}/check-apiserver.sh`;
export const HAPROXY_UNIT = "kube-apiserver-lb.service";
export const KEEPALIVED_UNIT = "kube-apiserver-vip.service";
export const ENDPOINT_UNITS: readonly string[] = [HAPROXY_UNIT, KEEPALIVED_UNIT];
export const HAPROXY_BINARY = "/usr/sbin/haproxy";
export const KEEPALIVED_BINARY = "/usr/sbin/keepalived";

const HAPROXY_CONFIG = `# {{path}}: written by kubescratch for node {{node}}.
# {{why}}
global
  log stdout format raw local0 notice

defaults
  mode tcp
  log global
  option dontlognull
  timeout connect 5s
  # Watches and exec streams stay open for minutes; the apiserver ends them itself.
  timeout client 1h
  timeout server 1h

frontend kube-apiserver
  bind {{bind}}
  default_backend kube-apiservers

backend kube-apiservers
  # An apiserver takes traffic only while it answers /readyz (anonymous, system:public-info-viewer).
  option httpchk
  http-check connect ssl
  http-check send meth GET uri /readyz
  http-check expect status 200
  balance roundrobin
  # A server marked down loses its connections at once, so clients reconnect to another one instead
  # of waiting on a dead peer.
  default-server inter 2s fall 2 rise 2 on-marked-down shutdown-sessions
{{#each servers}}  server {{name}} {{address}} check verify none
{{/each}}`;

const KEEPALIVED_CONFIG = `# {{path}}: written by kubescratch for node {{node}}.
# {{why}}
global_defs {
  router_id {{node}}
  enable_script_security
  script_user nobody
}

vrrp_script check_apiserver {
  script "{{checkScript}}"
  interval 3
  timeout 5
  fall 2
  rise 2
}

vrrp_instance kube_apiserver {
  state BACKUP
  interface {{interface}}
  virtual_router_id {{virtualRouterId}}
  priority {{priority}}
  advert_int 1
  unicast_src_ip {{nodeIp}}
  unicast_peer {
{{#each peers}}    {{this}}
{{/each}}  }
  virtual_ipaddress {
    {{vip}}/32 dev {{interface}}
  }
  track_script {
    check_apiserver
  }
}
`;

const CHECK_SCRIPT = `#!/bin/sh
# {{path}}: written by kubescratch for node {{node}}.
# {{why}}
# No credentials are sent and only the status matters, so the serving certificate is not verified.
exec curl --silent --fail --insecure --max-time 2 --output /dev/null {{url}}
`;

const UNIT = `# {{path}}: written by kubescratch for node {{node}}.
# {{why}}
[Unit]
Description={{description}}
Documentation={{documentation}}
Wants=network-online.target
After=network-online.target

[Service]
{{#if dynamicUser}}DynamicUser=yes
{{/if}}{{#if checkConfig}}ExecStartPre={{checkConfig}}
{{/if}}ExecStart={{execStart}}
{{#if reload}}ExecReload={{reload}}
{{/if}}KillMode=mixed
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`;

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
  return artifact(path, renderTemplate(UNIT, { path, node: context.node.name, ...facts }), {
    kind: "systemd-unit",
    why: facts.why,
    requirements: ["S6", "S25"],
  });
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
      renderTemplate(HAPROXY_CONFIG, {
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
      renderTemplate(KEEPALIVED_CONFIG, {
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
      renderTemplate(CHECK_SCRIPT, {
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
