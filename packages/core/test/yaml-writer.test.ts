// Every YAML file is written by toYaml, whose plain scalars must read back as the same strings in
// Kubernetes' YAML 1.1 reader; checked with kubectl's own reader on a generated kubeconfig.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { generateCluster, parseSpecText } from "../src/index.js";
import { toYaml } from "../src/render/yaml.js";
import { fixtureFiles } from "./helpers.js";
import { FIXED_NOW, premadeKeys, seededRandom } from "./pki-helpers.js";

/** Strings YAML 1.1 reads as numbers because of their '_' separators; YAML 1.2 reads them as strings. */
const UNDERSCORE_NUMBERS = ["1_000", "20240101_1200", "0x_1", "0b1_0", "1_0.5", "-1_000", "017_7"];

describe("toYaml", () => {
  it.each(UNDERSCORE_NUMBERS)("quotes %s, which YAML 1.1 would read as a number", (value) => {
    const text = toYaml({ [value]: value });
    expect(text).toBe(`'${value}': '${value}'\n`);
    expect(load(text)).toEqual({ [value]: value });
  });

  it("leaves strings plain that no YAML version reads as anything else, and still quotes 1.1's booleans", () => {
    expect(toYaml({ zone: "eu-west_1a", version: "v1_0", name: "a_b", ok: "yes", off: "off" })).toBe(
      "zone: eu-west_1a\nversion: v1_0\nname: a_b\nok: 'yes'\n'off': 'off'\n",
    );
  });
});

describe("a kubeconfig for an admin named like a YAML 1.1 number", () => {
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), "kubescratch-yaml-"));
  });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it("is read by kubectl with the name as written (kubectl config view)", async () => {
    const fixture = fixtureFiles("specs").find((file) => file.name === "minimal.yaml");
    if (!fixture) throw new Error("no minimal.yaml");
    const { spec } = parseSpecText(
      fixture.text.replace("name: demo\n", "name: demo\nsecurity:\n  admins:\n    - name: '1_000'\n"),
    );
    const cluster = await generateCluster(spec, {
      now: FIXED_NOW,
      random: seededRandom("yaml-writer"),
      keys: premadeKeys(),
    });
    const kubeconfig = cluster.admin.artifacts.find(
      (artifact) => artifact.path === "kubeconfigs/1_000.kubeconfig",
    );
    if (!kubeconfig) throw new Error("no kubeconfig for 1_000");
    const file = join(directory, "admin.kubeconfig");
    writeFileSync(file, kubeconfig.content);
    const viewed = spawnSync(
      "kubectl",
      ["config", "view", "--kubeconfig", file, "-o", "jsonpath={.users[0].name} {.contexts[0].context.user}"],
      { encoding: "utf8" },
    );
    expect(viewed.stderr).toBe("");
    expect(viewed.stdout).toBe("1_000 1_000");
  });
});
