import { cidrsOverlap, formatCidr, parseCidr, parseIp, subnetAt, subnetIndex } from "../src/net/ip.js";
import { resolveKubernetesVersion, RELEASE_LINES } from "../src/versions/kubernetes.js";
import { OPTION_WINDOWS } from "../src/validation/compatibility.js";
import { clusterSchema } from "../src/index.js";
import { segmentsOf } from "../src/validation/errors.js";

describe("addresses", () => {
  it.each(["10.0.0.1", "255.255.255.255", "fd00::1", "::1"])("%s is an address", (text) => {
    expect(parseIp(text)).toBeDefined();
  });
  it.each(["10.1", "010.0.0.1", "0x0a.0.0.1", "10.0.0.1/8", "256.0.0.1", "::ffff:10.0.0.1", "", "fd00::g"])(
    "%s is not an address",
    (text) => {
      expect(parseIp(text)).toBeUndefined();
    },
  );

  it("parses ranges and reports host bits with the network to use", () => {
    const parsed = parseCidr("10.10.0.0/16");
    expect(parsed.ok && formatCidr(parsed.cidr)).toBe("10.10.0.0/16");
    expect(parseCidr("10.10.1.0/16")).toEqual({ ok: false, reason: "host-bits", network: "10.10.0.0/16" });
    expect(parseCidr("10.10.0.0/33")).toEqual({ ok: false, reason: "syntax" });
    expect(parseCidr("10.10.0.0")).toEqual({ ok: false, reason: "syntax" });
    expect(parseCidr("10.10.0.0/ 8")).toEqual({ ok: false, reason: "syntax" });
    expect(parseCidr("fd00::/8").ok).toBe(true);
  });

  it("finds subnets and overlaps", () => {
    const parsed = parseCidr("10.10.0.0/16");
    if (!parsed.ok) throw new Error("fixture");
    const last = subnetAt(parsed.cidr, 24, 255n);
    expect(formatCidr(last)).toBe("10.10.255.0/24");
    expect(subnetIndex(parsed.cidr, last)).toBe(255n);
    const other = parseCidr("10.0.0.0/8");
    const apart = parseCidr("10.11.0.0/16");
    if (!other.ok || !apart.ok) throw new Error("fixture");
    expect(cidrsOverlap(parsed.cidr, other.cidr)).toBe(true);
    expect(cidrsOverlap(parsed.cidr, apart.cidr)).toBe(false);
  });
});

describe("versions", () => {
  it("resolves minors to their patch release and keeps exact versions", () => {
    expect(resolveKubernetesVersion("1.34")).toEqual({
      full: "1.34.8",
      minor: "1.34",
      minorNumber: 34,
      era: "current",
    });
    expect(resolveKubernetesVersion("v1.2.3")).toEqual({
      full: "1.2.3",
      minor: "1.2",
      minorNumber: 2,
      era: "legacy",
    });
    expect(resolveKubernetesVersion("1.25")).toBeUndefined();
    expect(resolveKubernetesVersion("2.0")).toBeUndefined();
  });

  it("lists each release line once, each patch inside its line", () => {
    expect(new Set(RELEASE_LINES.map((line) => line.minor)).size).toBe(RELEASE_LINES.length);
    for (const line of RELEASE_LINES) expect(line.patch.startsWith(`${line.minor}.`)).toBe(true);
  });

  it("every option window points at a field of the schema and names a version or a reason", () => {
    for (const window of OPTION_WINDOWS) {
      let node: unknown = clusterSchema;
      for (const segment of segmentsOf(window.pointer)) {
        node = (node as { properties?: Record<string, unknown> }).properties?.[segment];
      }
      expect(node).toBeDefined();
      expect(window.since !== undefined || window.until !== undefined).toBe(true);
      expect(window.reason).toMatch(/Kubernetes|releases/);
    }
  });
});
