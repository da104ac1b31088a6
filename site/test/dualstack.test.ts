// A dual-stack cluster's review site shows both families: the address plan, the node table, every
// node's page and the topology.
import { renderSite } from "../src/index.js";
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
});
