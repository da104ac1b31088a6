import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  clusterSchema,
  formatIssue,
  parseSpec,
  parseSpecText,
  SpecError,
  type JsonSchema,
} from "../src/index.js";
import { expectedError, fixtureFiles, repoRoot } from "./helpers.js";

function errorsOf(run: () => unknown): SpecError {
  try {
    run();
  } catch (caught) {
    if (caught instanceof SpecError) return caught;
    throw caught;
  }
  throw new Error("expected a SpecError");
}

describe("the schema", () => {
  it("describes every property, at every depth", () => {
    const undocumented: string[] = [];
    const walk = (schema: JsonSchema, path: string): void => {
      for (const [name, child] of Object.entries(schema.properties ?? {})) {
        if (!child.description) undocumented.push(`${path}/${name}`);
        walk(child, `${path}/${name}`);
      }
      if (schema.items) walk(schema.items, `${path}/items`);
      if (typeof schema.additionalProperties === "object") walk(schema.additionalProperties, `${path}/*`);
    };
    walk(clusterSchema, "");
    expect(undocumented).toEqual([]);
  });

  it("is the file in schemas/ (the generated module and types are not stale)", () => {
    expect(clusterSchema).toEqual(
      JSON.parse(readFileSync(join(repoRoot, "schemas/cluster.schema.json"), "utf8")),
    );
    // Exits non-zero and names the stale file when schemas/ changed without `pnpm gen`.
    expect(() =>
      execFileSync("node", ["scripts/gen-spec-types.mjs", "--check"], { cwd: repoRoot, stdio: "pipe" }),
    ).not.toThrow();
  });
});

describe("valid fixtures", () => {
  it.each(fixtureFiles("specs").map((file) => [file.name, file.text]))("%s validates", (_name, text) => {
    const { spec } = parseSpecText(text);
    expect(spec.apiVersion).toBe("kubescratch.dev/v1alpha1");
  });

  // A resolved spec is itself a valid spec: every default passes the schema it comes from
  // (once it did not: the legacy registry gcr.io/google_containers failed the registry pattern).
  it.each(fixtureFiles("specs").map((file) => [file.name, file.text]))(
    "%s resolved validates again, unchanged",
    (_name, text) => {
      const { spec } = parseSpecText(text);
      expect(parseSpec(spec).spec).toEqual(spec);
    },
  );

  it("applies every default to the minimal spec", () => {
    const minimal = fixtureFiles("specs").find((file) => file.name === "minimal.yaml");
    const { spec, warnings } = parseSpecText(minimal?.text ?? "");
    expect(warnings).toEqual([]);
    expect(spec.kubernetesVersion).toBe("1.34");
    expect(spec.security).toMatchObject({
      mode: "https",
      keyAlgorithm: "rsa-2048",
      credentialLayout: "per-entity",
      // As kubeadm: the CNI and storage DaemonSets users install next run privileged.
      allowPrivileged: true,
      admins: [{ name: "admin", groups: ["system:masters"] }],
    });
    expect(spec.network).toMatchObject({
      podCIDR: "10.10.0.0/16",
      nodePodCIDRPrefix: 24,
      serviceCIDR: "10.0.0.0/16",
      dnsServiceIP: "10.0.0.10",
      clusterDomain: "cluster.local",
      bridge: { name: "cbr0", management: "manual" },
    });
    expect(spec.controlPlane).toEqual({ masterIP: "192.168.10.10", apiserverPort: 6443 });
    expect(spec.runtime).toMatchObject({
      type: "containerd",
      rootDir: "/var/lib/containerd",
      cniBinDir: "/opt/cni/bin",
    });
    expect(spec.hygiene.installPackages).toBe(true);
    expect(spec.images.registry).toBe("registry.k8s.io");
  });

  it("gives the seed's era its own defaults", () => {
    const seed = fixtureFiles("specs").find((file) => file.name === "seed-firewall.yaml");
    const { spec } = parseSpecText(seed?.text ?? "");
    expect(spec.controlPlane.apiserverPort).toBe(443);
    expect(spec.runtime).toMatchObject({ type: "docker", rootDir: "/var/lib/docker", nofile: 1000000 });
    expect(spec.security.credentialLayout).toBe("per-role");
    // S26: privileged containers only when the spec says the users are trusted with root.
    expect(spec.security.allowPrivileged).toBe(false);
    expect(spec.images.registry).toBe("gcr.io/google_containers");
  });

  it("warns, without failing, below 4 nodes (S2)", () => {
    const netns = fixtureFiles("specs").find((file) => file.name === "netns-routed.yaml");
    const { warnings } = parseSpecText(netns?.text ?? "");
    expect(warnings.map((warning) => formatIssue(warning))).toEqual([
      "14:3: warning: /nodes: the cluster has 3 nodes; the guide recommends at least 4. Fix: Add nodes for room to schedule and to survive a node failure.",
    ]);
  });
});

describe("invalid fixtures", () => {
  const files = fixtureFiles("invalid");

  it("has at least 25 of them", () => {
    expect(files.length).toBeGreaterThanOrEqual(25);
  });

  it.each(files.map((file) => [file.name, file.text]))(
    "%s fails with exactly its expected error",
    (_name, text) => {
      const error = errorsOf(() => parseSpecText(text));
      expect(error.issues.map((issue) => formatIssue(issue))).toEqual([expectedError(text)]);
      for (const issue of error.issues) expect(issue.fix.length).toBeGreaterThan(10);
    },
  );
});

describe("parseSpec (data in)", () => {
  it("does not modify its input and applies defaults to a copy", () => {
    const input = {
      apiVersion: "kubescratch.dev/v1alpha1",
      kind: "Cluster",
      name: "data",
      nodes: [{ name: "a", ip: "192.168.0.1", roles: ["control-plane", "etcd", "worker"] }],
    };
    const before = JSON.stringify(input);
    const { spec } = parseSpec(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(spec.network.podCIDR).toBe("10.10.0.0/16");
  });

  it("collects every problem at once, with pointers but no positions", () => {
    const error = errorsOf(() =>
      parseSpec({
        apiVersion: "kubescratch.dev/v1alpha1",
        kind: "Cluster",
        name: "data",
        network: { podCIDR: "10.0.0.0/8", serviceCIDR: "10.0.0.0/16" },
        nodes: [
          { name: "a", ip: "10.1.2.3", roles: ["worker"] },
          { name: "a", ip: "192.168.0.1", roles: ["worker"] },
        ],
      }),
    );
    expect(error.issues.map((issue) => [issue.pointer, issue.line])).toEqual([
      ["/network/serviceCIDR", undefined],
      ["/nodes/0/ip", undefined],
      ["/nodes/1/name", undefined],
      ["/nodes", undefined],
      ["/nodes", undefined],
    ]);
  });

  it("rejects values that are not JSON data with a SpecError", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(errorsOf(() => parseSpec(cyclic)).issues[0]?.message).toMatch(/not plain JSON data/);
  });

  it("reads strict JSON when asked to, with positions", () => {
    const error = errorsOf(() =>
      parseSpecText(
        '{"apiVersion": "kubescratch.dev/v1alpha1", "kind": "Cluster",\n "name": "BAD", "nodes": []}',
        {
          format: "json",
        },
      ),
    );
    expect(error.issues.map((issue) => formatIssue(issue))).toEqual([
      expect.stringMatching(/^2:10: \/name: "BAD" is not in the expected form/),
      "2:26: /nodes: needs at least 1 entry. Fix: Add entries: the machines of the cluster: x86_64 Linux; at least 4 recommended.",
    ]);
    expect(errorsOf(() => parseSpecText("{", { format: "json" })).issues[0]?.message).toMatch(
      /not valid JSON/,
    );
  });
});
