// The kubelet's settings the rehearsal reads from a generated bundle (its unit, configuration file
// and kubeconfig), and when it must see the kubelet renew its client certificate. The renewal itself
// and the resolved host are checked on booted nodes (boot.test.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { generateCluster, parseSpecText } from "@kubescratch/core";
import { nodeKeyCapability, nodeRandom } from "@kubescratch/core/node";
import { kubeletSettings, lifetimeUsed, renewalDue } from "@kubescratch/rehearse";

const ROOT = join(__dirname, "..", "..", "..");
const ISSUED = new Date("2026-01-10T12:00:00Z");
const DAY_MS = 24 * 60 * 60 * 1000;

let folder: string;
beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), "kubescratch-kubelet-checks-"));
});
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** Writes one node's generated bundle into a folder, as install.sh finds it. */
async function bundleOf(fixture: string, node: string, edit: (text: string) => string = (text) => text) {
  const text = edit(readFileSync(join(ROOT, "fixtures/specs", fixture), "utf8"));
  const { spec } = parseSpecText(text, { fileName: fixture });
  const cluster = await generateCluster(spec, { now: ISSUED, random: nodeRandom, keys: nodeKeyCapability() });
  const output = cluster.nodes.find((entry) => entry.name === node);
  if (!output) throw new Error(`${fixture} has no node ${node}`);
  const bundle = mkdtempSync(join(folder, `${node}-`));
  for (const artifact of output.artifacts) {
    const path = join(bundle, artifact.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, artifact.content);
  }
  return bundle;
}

describe("the kubelet's settings, read from a current bundle", () => {
  it("are the kubeconfig's client certificate for system:node:<name>, rotation on, and where renewed certificates go", async () => {
    const settings = await kubeletSettings("solo", await bundleOf("single-node.yaml", "solo"));
    expect(settings?.rotatesCertificates).toBe(true);
    expect(settings?.currentCertificateFile).toBe("/var/lib/kubelet/pki/kubelet-client-current.pem");
    expect(settings?.resolvConf).toBe("/etc/kubernetes/resolv.conf");
    expect(settings?.clientCertificate?.subject).toBe("O=system:nodes\nCN=system:node:solo");
    expect(Date.parse(settings?.clientCertificate?.validTo ?? "")).toBe(ISSUED.getTime() + 365 * DAY_MS);
  }, 60_000);

  it("follow kubelet.rootDir and kubelet.resolvConf", async () => {
    const settings = await kubeletSettings(
      "solo",
      await bundleOf("single-node.yaml", "solo", (text) => {
        expect(text).not.toMatch(/^kubelet:/m);
        return `${text}\nkubelet:\n  rootDir: /srv/kubelet\n  resolvConf: /etc/upstream-resolv.conf\n`;
      }),
    );
    expect(settings?.currentCertificateFile).toBe("/srv/kubelet/pki/kubelet-client-current.pem");
    expect(settings?.resolvConf).toBe("/etc/upstream-resolv.conf");
  }, 60_000);

  it("make the renewal due only past 90 % of the certificate's lifetime, when 70 to 90 % may not have reached the kubelet's random deadline", async () => {
    const settings = await kubeletSettings("solo", await bundleOf("single-node.yaml", "solo"));
    if (!settings?.clientCertificate) throw new Error("no client certificate");
    const start = Date.parse(settings.clientCertificate.validFrom);
    const lifetime = Date.parse(settings.clientCertificate.validTo) - start;
    expect(lifetimeUsed(settings.clientCertificate, start + lifetime / 2)).toBeCloseTo(0.5);
    expect(renewalDue(settings, ISSUED.getTime())).toBe(false);
    expect(renewalDue(settings, start + lifetime * 0.85)).toBe(false);
    expect(renewalDue(settings, start + lifetime * 0.91)).toBe(true);
    // 340 days after issue, as `rehearse --certificates-age 340` starts the kubelet: due at once.
    expect(renewalDue(settings, ISSUED.getTime() + 340 * DAY_MS)).toBe(true);
  }, 60_000);
});

describe("the kubelet's settings, read from a seed-era bundle", () => {
  it("never make a renewal due: the 1.2 kubelet does not rotate its certificate", async () => {
    const settings = await kubeletSettings("node-1", await bundleOf("seed-https.yaml", "node-1"));
    expect(settings).toBeDefined();
    expect(settings?.rotatesCertificates).toBe(false);
    if (!settings) throw new Error("no kubelet settings");
    expect(renewalDue(settings, ISSUED.getTime() + 364 * DAY_MS)).toBe(false);
  }, 60_000);
});
