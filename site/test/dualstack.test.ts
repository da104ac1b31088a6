// A dual-stack cluster's review site shows both families: the address plan, the node table, every
// node's page and the topology.
import { renderSite } from "../src/index.js";
import { topologySvg } from "../src/topology.js";
import { FIXED_NOW, generateFixture, htmlText } from "./helpers.js";

describe("a dual-stack cluster's site", () => {
  it("shows both families' ranges, service IPs, node addresses, pod ranges and bridge addresses", async () => {
    const cluster = await generateFixture("current-dualstack.yaml");
    const site = renderSite({ cluster }, { now: FIXED_NOW });
    const page = (path: string): string =>
      htmlText(String(site.pages.find((each) => each.path === path)?.content ?? ""));
    const overview = page("index.html");
    for (const text of [
      "198.19.0.0/16",
      "2001:db8:19::/56",
      "198.18.128.0/20",
      "2001:db8:96::/108",
      "2001:db8:96::1",
      "2001:db8:96::a",
      "2001:db8::2",
      "2001:db8:19:1::/64",
      "2001:db8:19:1::1/64",
    ])
      expect({ text, shown: overview.includes(text) }).toEqual({ text, shown: true });
    const nodePage = site.pages.find((each) => /node-2\/index\.html$/.test(each.path));
    const node = htmlText(String(nodePage?.content ?? ""));
    expect(node).toContain("198.18.0.2, 2001:db8::2");
    expect(node).toContain("198.19.1.0/24, 2001:db8:19:1::/64");
    expect(node).toContain("198.19.1.1/24, 2001:db8:19:1::1/64");
  });

  it("draws both families in every topology box, each line inside its box", async () => {
    const cluster = await generateFixture("current-dualstack.yaml");
    const svg = topologySvg(cluster.plan, (name) => `nodes/${name}/`);
    expect(svg).toContain("routed pod network 198.19.0.0/16 and 2001:db8:19::/56");
    expect(svg).toContain("service range 198.18.128.0/20 and 2001:db8:96::/108");
    const boxes = [...svg.matchAll(/<g class="t-node[^"]*">(.*?)<\/g>/g)].map((match) => match[1] ?? "");
    expect(boxes).toHaveLength(cluster.plan.nodes.length);
    for (const [index, node] of cluster.plan.nodes.entries()) {
      const box = boxes[index] ?? "";
      const lines = [...box.matchAll(/<text[^>]* y="(\d+)">([^<]*)<\/text>/g)].map((match) => ({
        y: Number(match[1]),
        text: match[2],
      }));
      expect(lines.map((line) => line.text)).toEqual([
        node.name,
        node.roles.join(", "),
        `IP ${node.ip}`,
        `IP ${node.secondary?.ip ?? ""}`,
        `pods ${node.podCIDR}`,
        `pods ${node.secondary?.podCIDR ?? ""}`,
      ]);
      const rect = /<rect x="\d+" y="(\d+)" width="\d+" height="(\d+)"/.exec(box);
      const top = Number(rect?.[1]);
      const bottom = top + Number(rect?.[2]);
      for (const line of lines) expect(line.y > top && line.y < bottom).toBe(true);
    }
  });
});
