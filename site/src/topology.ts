// The topology diagram: one generated SVG (no library at view time). Nodes as boxes with their roles,
// IP and pod range (one of each family on a dual-stack node); the master IP; the etcd members linked in a ring; the pod network drawn as routes
// between every node's range (routed mode) or as the overlay they all join. Large clusters show the
// first nodes and a count of the rest: the node table below lists them all.
import { networkFamilies, nodeFamilies, type ClusterPlan } from "@kubescratch/core";
import { h } from "./html.js";

const BOX_WIDTH = 190;
const BOX_HEIGHT = 78;
/** A text line inside a node box. */
const LINE = 16;
const GAP = 18;
const COLUMNS = 4;
export const TOPOLOGY_NODE_LIMIT = 48;

export function topologySvg(plan: ClusterPlan, nodeHref: (name: string) => string): string {
  const shown = plan.nodes.slice(0, TOPOLOGY_NODE_LIMIT);
  const hidden = plan.nodes.length - shown.length;
  const columns = Math.min(COLUMNS, Math.max(1, shown.length));
  const rows = Math.ceil(shown.length / columns) + (hidden > 0 ? 1 : 0);
  const families = networkFamilies(plan);
  // A dual-stack box has a line more for the second IP and one for the second pod range.
  const boxHeight = BOX_HEIGHT + (families.length - 1) * 2 * LINE;
  const top = 96;
  const width = columns * (BOX_WIDTH + GAP) + GAP;
  const height = top + rows * (boxHeight + GAP) + GAP;
  const etcd = new Set(plan.etcd.members.map((member) => member.name));
  const position = (index: number) => ({
    x: GAP + (index % columns) * (BOX_WIDTH + GAP),
    y: top + Math.floor(index / columns) * (boxHeight + GAP),
  });
  const podRanges = families.map((part) => part.podCIDR).join(" and ");
  const network =
    plan.network.mode === "overlay"
      ? `overlay network: ${plan.network.overlay ?? "overlay"} over ${podRanges}, MTU ${plan.network.mtu}`
      : `routed pod network ${podRanges}: one route per node range via the node's IP`;
  const parts: string[] = [];
  parts.push(
    `<rect class="t-net" x="${GAP}" y="12" width="${width - 2 * GAP}" height="30" rx="6"/>`,
    `<text class="t-label" x="${GAP + 10}" y="32">${h(network)}</text>`,
    `<text class="t-master" x="${GAP}" y="66">master IP ${h(plan.controlPlane.masterIP)} &#183; ${h(plan.controlPlane.apiserverURL)} &#183; service range ${h(families.map((part) => part.serviceCIDR).join(" and "))}</text>`,
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
      `<line class="t-etcd" x1="${a.x + BOX_WIDTH / 2}" y1="${a.y + boxHeight}" x2="${b.x + BOX_WIDTH / 2}" y2="${b.y + boxHeight}"/>`,
    );
  });
  shown.forEach((node, index) => {
    const { x, y } = position(index);
    const roles = node.roles.join(", ");
    const master = node.ip === plan.controlPlane.masterIP ? " t-is-master" : "";
    const own = nodeFamilies(node);
    const lines = [...own.map((part) => `IP ${part.ip}`), ...own.map((part) => `pods ${part.podCIDR}`)];
    parts.push(
      `<a href="${h(nodeHref(node.name))}"><g class="t-node${etcd.has(node.name) ? " t-is-etcd" : ""}${master}">`,
      `<title>${h(`${node.name}: ${roles}; IP ${own.map((part) => part.ip).join(", ")}; pods ${own.map((part) => part.podCIDR).join(", ")}`)}</title>`,
      `<rect x="${x}" y="${y}" width="${BOX_WIDTH}" height="${boxHeight}" rx="8"/>`,
      `<text class="t-name" x="${x + 10}" y="${y + 20}">${h(node.name)}</text>`,
      `<text x="${x + 10}" y="${y + 38}">${h(roles)}</text>`,
      ...lines.map((line, order) => `<text x="${x + 10}" y="${y + 54 + order * LINE}">${h(line)}</text>`),
      `</g></a>`,
    );
  });
  if (hidden > 0) {
    const y = top + Math.ceil(shown.length / columns) * (boxHeight + GAP);
    parts.push(
      `<text class="t-label" x="${GAP}" y="${y + 30}">&#8230; and ${hidden} more nodes (see the node table)</text>`,
    );
  }
  return `<svg class="topology" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="topology-title"><title id="topology-title">Topology of ${h(plan.clusterName)}: ${plan.nodes.length} nodes, ${plan.etcd.members.length} etcd members</title>${parts.join("")}</svg>`;
}
