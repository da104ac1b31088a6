// The topology diagram: one generated SVG (no library at view time). Nodes as boxes with their roles,
// IP and pod range; the master IP; the etcd members linked in a ring; the pod network drawn as routes
// between every node's range (routed mode) or as the overlay they all join. Large clusters show the
// first nodes and a count of the rest: the node table below lists them all.
import type { ClusterPlan } from "@kubescratch/core";
import { h } from "./html.js";

const BOX_WIDTH = 190;
const BOX_HEIGHT = 78;
const GAP = 18;
const COLUMNS = 4;
export const TOPOLOGY_NODE_LIMIT = 48;

export function topologySvg(plan: ClusterPlan, nodeHref: (name: string) => string): string {
  const shown = plan.nodes.slice(0, TOPOLOGY_NODE_LIMIT);
  const hidden = plan.nodes.length - shown.length;
  const columns = Math.min(COLUMNS, Math.max(1, shown.length));
  const rows = Math.ceil(shown.length / columns) + (hidden > 0 ? 1 : 0);
  const top = 96;
  const width = columns * (BOX_WIDTH + GAP) + GAP;
  const height = top + rows * (BOX_HEIGHT + GAP) + GAP;
  const etcd = new Set(plan.etcd.members.map((member) => member.name));
  const position = (index: number) => ({
    x: GAP + (index % columns) * (BOX_WIDTH + GAP),
    y: top + Math.floor(index / columns) * (BOX_HEIGHT + GAP),
  });
  const network =
    plan.network.mode === "overlay"
      ? `overlay network: ${plan.network.overlay ?? "overlay"} over ${plan.network.podCIDR}, MTU ${plan.network.mtu}`
      : `routed pod network ${[plan.network.podCIDR, ...(plan.network.secondary ? [plan.network.secondary.podCIDR] : [])].join(" and ")}: one route per node range via the node's IP`;
  const parts: string[] = [];
  parts.push(
    `<rect class="t-net" x="${GAP}" y="12" width="${width - 2 * GAP}" height="30" rx="6"/>`,
    `<text class="t-label" x="${GAP + 10}" y="32">${h(network)}</text>`,
    `<text class="t-master" x="${GAP}" y="66">master IP ${h(plan.controlPlane.masterIP)} &#183; ${h(plan.controlPlane.apiserverURL)} &#183; service range ${h(plan.network.serviceCIDR)}</text>`,
  );
  shown.forEach((node, index) => {
    const { x, y } = position(index);
    parts.push(
      `<line class="t-link" x1="${x + BOX_WIDTH / 2}" y1="42" x2="${x + BOX_WIDTH / 2}" y2="${y}"/>`,
    );
  });
  const members = shown.map((node, index) => ({ node, index })).filter(({ node }) => etcd.has(node.name));
  members.forEach(({ index }, order) => {
    const next = members[(order + 1) % members.length];
    if (!next || members.length < 2 || (members.length === 2 && order === 1)) return;
    const a = position(index);
    const b = position(next.index);
    parts.push(
      `<line class="t-etcd" x1="${a.x + BOX_WIDTH / 2}" y1="${a.y + BOX_HEIGHT}" x2="${b.x + BOX_WIDTH / 2}" y2="${b.y + BOX_HEIGHT}"/>`,
    );
  });
  shown.forEach((node, index) => {
    const { x, y } = position(index);
    const roles = node.roles.join(", ");
    const master = node.ip === plan.controlPlane.masterIP ? " t-is-master" : "";
    parts.push(
      `<a href="${h(nodeHref(node.name))}"><g class="t-node${etcd.has(node.name) ? " t-is-etcd" : ""}${master}">`,
      `<title>${h(`${node.name}: ${roles}; IP ${[node.ip, ...(node.secondary ? [node.secondary.ip] : [])].join(", ")}; pods ${[node.podCIDR, ...(node.secondary ? [node.secondary.podCIDR] : [])].join(", ")}`)}</title>`,
      `<rect x="${x}" y="${y}" width="${BOX_WIDTH}" height="${BOX_HEIGHT}" rx="8"/>`,
      `<text class="t-name" x="${x + 10}" y="${y + 20}">${h(node.name)}</text>`,
      `<text x="${x + 10}" y="${y + 38}">${h(roles)}</text>`,
      `<text x="${x + 10}" y="${y + 54}">IP ${h(node.ip)}</text>`,
      `<text x="${x + 10}" y="${y + 70}">pods ${h(node.podCIDR)}</text>`,
      `</g></a>`,
    );
  });
  if (hidden > 0) {
    const y = top + Math.ceil(shown.length / columns) * (BOX_HEIGHT + GAP);
    parts.push(
      `<text class="t-label" x="${GAP}" y="${y + 30}">&#8230; and ${hidden} more nodes (see the node table)</text>`,
    );
  }
  return `<svg class="topology" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="topology-title"><title id="topology-title">Topology of ${h(plan.clusterName)}: ${plan.nodes.length} nodes, ${plan.etcd.members.length} etcd members</title>${parts.join("")}</svg>`;
}
