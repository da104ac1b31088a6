// The templates under packages/core/templates/ are the source of every unit, script body and config
// layout; the generated module that embeds them must match them.
//
// The verbatim shell sources (*.sh) pass shellcheck where they live, each behind a stub that declares
// only the variables its generated head provides (so a misspelt variable still fails); the handlebars
// scripts are linted once rendered, for every fixture, in bundle-scripts.test.ts and network.test.ts.
// Every unit template, rendered for the fixtures (and two variants, so each template renders), passes
// systemd-analyze verify (node-services.test.ts verifies every unit of every node of every fixture).
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { installScript, validateClusterScript, validateScript } from "../src/bundle/scripts.js";
import { TEMPLATES } from "../src/render/generated/templates.js";
import { renderTemplate } from "../src/render/template.js";
import { parseSpec } from "../src/index.js";
import { HAPROXY_UNIT, KEEPALIVED_UNIT } from "../src/install-paths.js";
import { fixtureFiles, repoRoot } from "./helpers.js";
import { netnsRoutedInput, renderFixture, renderSpec, renderVariant } from "./tools/network-variants.js";
import { verifyUnits, type UnitFile } from "./tools/systemd-verify.js";

const templateDir = join(repoRoot, "packages/core/templates");

describe("packages/core/templates", () => {
  it("is what the generated module embeds (pnpm gen was run)", () => {
    expect(() =>
      execFileSync("node", ["scripts/gen-templates.mjs", "--check"], { cwd: repoRoot, stdio: "pipe" }),
    ).not.toThrow();
    const files = readdirSync(templateDir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && !entry.name.startsWith(".") && entry.name !== "README.md")
      .map((entry) => join(entry.parentPath, entry.name).slice(templateDir.length + 1))
      .sort();
    expect(Object.keys(TEMPLATES).sort()).toEqual(files);
  });

  it("names a stale module and fails when a template changed without pnpm gen", () => {
    const result = spawnSync("node", ["scripts/gen-templates.mjs", "--check"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, KUBESCRATCH_TEMPLATES_EXTRA: "stale-check.hbs" },
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("templates.ts is stale: run `pnpm gen`");
  });

  it("refuses a value the template does not get (a typo cannot render as empty)", () => {
    expect(() => renderTemplate("kubelet.service.hbs", { path: "/x", node: "n" })).toThrow(/not defined/);
  });
});

// ---------------------------------------------------------------------------------------------
// shellcheck on the verbatim sources

/**
 * What each verbatim script's generated head provides, by template: the stub declares exactly these
 * (an unused one fails too, SC2034). Files that are not listed need nothing from a head.
 */
const HEAD_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  "install.sh": [
    "NODE_NAME",
    "KUBERNETES_VERSION",
    "FILES()",
    "DIRECTORIES()",
    "RESOLV_CONF_LINK",
    "NETWORK_SCRIPTS()",
    "UNITS()",
    "HYGIENE_SCRIPT",
  ],
  "validate-cluster.sh": [
    "HERE",
    "CLUSTER_NAME",
    "NODES()",
    "DNS_SERVICE_IP",
    "NAMESPACE",
    "SEED_KUBECTL",
    "NGINX_CONTROLLER",
    "CHECK_LABEL",
    "PROBE_POD",
    "KEEP",
    "TIMEOUT",
    "FAILED",
  ],
  "validate/apiserver-answers-curl.sh": ["APISERVER", "CURL()"],
  "validate/apiserver-answers-kubectl.sh": ["APISERVER", "CURL()", "KUBECTL()"],
  "validate/node-registered.sh": ["NODE_NAME", "KUBECTL()"],
};

/** The stub a verbatim script is linted behind: what its head sets (strict mode, the variables). */
function stub(name: string): string {
  const variables = (HEAD_VARIABLES[name] ?? []).map((variable) =>
    variable.endsWith("()") ? `${variable.slice(0, -2)}=()` : `${variable}=''`,
  );
  return ["#!/usr/bin/env bash", "set -euo pipefail", ...variables, ""].join("\n");
}

function shellcheck(script: string): { status: number | null; output: string } {
  const result = spawnSync("shellcheck", ["-s", "bash", "-S", "style", "-f", "gcc", "-"], {
    input: script,
    encoding: "utf8",
  });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const verbatimScripts = Object.keys(TEMPLATES).filter((name) => name.endsWith(".sh"));

describe("the verbatim shell sources pass shellcheck behind their head's stub", () => {
  it.each(verbatimScripts)("%s", (name) => {
    const result = shellcheck(stub(name) + TEMPLATES[name as keyof typeof TEMPLATES]);
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  it("lists a stub only for scripts that exist, with variables their real head sets", () => {
    for (const name of Object.keys(HEAD_VARIABLES)) expect(verbatimScripts).toContain(name);
    const node = {
      nodeName: "n1",
      roles: ["control-plane"],
      runtime: "containerd",
      runtimeUnit: "containerd.service",
      apiserverLocalUrl: "https://10.0.0.1:6443",
      kubeconfig: "/var/lib/kubelet/kubeconfig",
    } as const;
    const heads: Record<string, string> = {
      "install.sh": installScript({
        nodeName: "n1",
        nodeIp: "10.0.0.1",
        kubernetesVersion: "1.34.8",
        files: [],
        networkScripts: [],
        units: [],
        binaries: [],
      }),
      "validate-cluster.sh": validateClusterScript({
        clusterName: "c",
        nodeNames: ["n1"],
        dnsServiceIp: "10.96.0.10",
        clusterDomain: "cluster.local",
        kubeconfigFile: "admin.kubeconfig",
      }),
      "validate/apiserver-answers-kubectl.sh": validateScript(node),
      "validate/apiserver-answers-curl.sh": validateScript({ ...node, kubeconfig: undefined }),
      "validate/node-registered.sh": validateScript(node),
    };
    for (const [name, variables] of Object.entries(HEAD_VARIABLES)) {
      const script = heads[name] ?? "";
      expect(script).toContain(TEMPLATES[name as keyof typeof TEMPLATES]);
      for (const variable of variables)
        expect({ name, assigned: new RegExp(`^${variable.replace("()", "")}=`, "m").test(script) }).toEqual({
          name,
          assigned: true,
        });
    }
  });

  it("fails on a planted mistake: a misspelt variable, which only the stub makes visible", () => {
    const install = TEMPLATES["install.sh"];
    const misspelt = install.replace('"$NODE_NAME"', '"$NODE_NAM"');
    expect(misspelt).not.toBe(install);
    expect(shellcheck(stub("install.sh") + misspelt).output).toMatch(
      /NODE_NAM may not be assigned. Did you mean NODE_NAME\? \[SC2153\]/,
    );
    // shellcheck takes an unassigned upper-case name for the environment's: without the stub, silence.
    expect(shellcheck(`#!/usr/bin/env bash\nset -euo pipefail\n${misspelt}`).output).toBe("");
  });
});

// ---------------------------------------------------------------------------------------------
// systemd-analyze verify on the rendered unit templates

/** The units each unit template renders, by file name (most render the unit of their own name). */
const UNIT_NAMES: Readonly<Record<string, readonly string[]>> = {
  "apiserver-endpoint.service.hbs": [HAPROXY_UNIT, KEEPALIVED_UNIT],
};

function unitNames(template: string): readonly string[] {
  return UNIT_NAMES[template] ?? [template.replace(/\.hbs$/, "")];
}

const unitTemplates = Object.keys(TEMPLATES).filter((name) => name.endsWith(".service.hbs"));

describe("every unit template, rendered for the fixtures, passes systemd-analyze verify", () => {
  it("verifies with no output, every dependency a unit kubescratch writes or systemd ships", async () => {
    // The fixtures, the seed's flannel (flanneld.service) and rkt on 1.2 (rkt-api.service).
    const clusters = [
      ...(await Promise.all(fixtureFiles("specs").map(({ name }) => renderFixture(name)))),
      await renderVariant("seed-flannel"),
      await renderSpec(
        "seed-rkt-1.2",
        parseSpec({ ...netnsRoutedInput(), kubernetesVersion: "1.2", runtime: { type: "rkt" } }).spec,
      ),
    ];
    const fromTemplates = new Set(unitTemplates.flatMap(unitNames));
    const covered = new Set<string>();
    const findings: unknown[] = [];
    for (const cluster of clusters) {
      // One root per cluster: each unit name once (nodes of a cluster differ in values, not in shape).
      const units = new Map<string, UnitFile>();
      for (const files of cluster.nodes.values())
        for (const file of files) {
          const name = file.path.replace("/etc/systemd/system/", "");
          if (file.kind === "systemd-unit" && fromTemplates.has(name) && !units.has(name))
            units.set(name, { name, content: file.content });
        }
      for (const name of units.keys()) covered.add(name);
      const result = verifyUnits([...units.values()]);
      if (
        result.output !== "" ||
        result.status !== 0 ||
        result.stubbedUnits.some((unit) => fromTemplates.has(unit))
      )
        findings.push({ cluster: cluster.name, output: result.output, stubbed: result.stubbedUnits });
    }
    expect(findings).toEqual([]);
    expect([...fromTemplates].filter((name) => !covered.has(name))).toEqual([]);
  });

  it("fails on a planted mistake (a misspelt key in a rendered template)", () => {
    const unit = renderTemplate("kube-proxy.service.hbs", {
      path: "/etc/systemd/system/kube-proxy.service",
      node: "n1",
      why: "planted",
      notes: [],
      execStart: "/usr/local/bin/kube-proxy --v=2",
    }).replace("ExecStart=", "ExecStrat=");
    expect(verifyUnits([{ name: "kube-proxy.service", content: unit }]).output).toMatch(/ExecStrat/);
  });
});
