// controlPlane.endpoint: every client names it, the apiserver certificates carry it, and with
// "keepalived-haproxy" the control-plane nodes run the load balancer and the virtual IP. haproxy's
// configuration is checked by the real haproxy (-c); the boot test runs both on real nodes.
import { X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { bundleClusterNative } from "../node/index.js";
import { generateCluster, parseSpecText, type GeneratedCluster } from "../src/index.js";
import { fixtureFiles } from "./helpers.js";
import { FIXED_NOW, premadeKeys, seededRandom } from "./pki-helpers.js";

const VIP = "192.168.50.10";
const ENDPOINT = `https://${VIP}:8443`;

function fixtureText(name: string): string {
  const file = fixtureFiles("specs").find((entry) => entry.name === name);
  if (!file) throw new Error(`no fixture ${name}`);
  return file.text;
}

function generate(text: string): Promise<GeneratedCluster> {
  const { spec } = parseSpecText(text, { fileName: "spec.yaml" });
  return generateCluster(spec, {
    now: FIXED_NOW,
    random: seededRandom("endpoint-test"),
    keys: premadeKeys(),
  });
}

function file(cluster: GeneratedCluster, node: string, path: string): string {
  const found = cluster.nodes
    .find((entry) => entry.name === node)
    ?.artifacts.find((entry) => entry.path === path);
  if (!found) throw new Error(`${node} has no ${path}`);
  return found.content;
}

function paths(cluster: GeneratedCluster, node: string): string[] {
  return cluster.nodes.find((entry) => entry.name === node)?.artifacts.map((entry) => entry.path) ?? [];
}

function server(kubeconfig: string): string {
  const parsed = load(kubeconfig) as { clusters: { cluster: { server: string } }[] };
  return parsed.clusters[0]?.cluster.server ?? "";
}

let ha: GeneratedCluster;
let scratch: string;
beforeAll(async () => {
  ha = await generate(fixtureText("current-ha.yaml"));
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-endpoint-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("controlPlane.endpoint (keepalived-haproxy)", () => {
  it("every kubelet, kube-proxy and admin names the endpoint; the controller-manager and scheduler keep their own apiserver", () => {
    expect(ha.plan.controlPlane.apiserverURL).toBe(ENDPOINT);
    expect(ha.plan.controlPlane.endpoint).toEqual({
      host: VIP,
      port: 8443,
      loadBalancer: "keepalived-haproxy",
    });
    for (const node of ["cp-1", "worker-2"]) {
      expect(server(file(ha, node, "/var/lib/kubelet/kubeconfig"))).toBe(ENDPOINT);
      expect(server(file(ha, node, "/var/lib/kube-proxy/kubeconfig"))).toBe(ENDPOINT);
    }
    const admin = ha.admin.artifacts.find((entry) => entry.path === "kubeconfigs/alice.kubeconfig");
    expect(server(admin?.content ?? "")).toBe(ENDPOINT);
    expect(server(file(ha, "cp-2", "/etc/kubernetes/controller-manager.conf"))).toBe(
      "https://192.168.50.12:6443",
    );
    expect(server(file(ha, "cp-2", "/etc/kubernetes/scheduler.conf"))).toBe("https://192.168.50.12:6443");
  });

  it("each apiserver's serving certificate names the virtual IP, so clients verify the endpoint", () => {
    for (const node of ["cp-1", "cp-2", "cp-3"]) {
      const certificate = new X509Certificate(file(ha, node, "/etc/kubernetes/pki/apiserver.crt"));
      expect(certificate.subjectAltName?.split(", ")).toContain(`IP Address:${VIP}`);
      expect(certificate.checkIP(VIP)).toBe(VIP);
    }
  });

  it("control-plane nodes get haproxy over every apiserver and keepalived with the others as unicast peers; workers get neither", () => {
    const endpointFiles = [
      "/etc/kubernetes/apiserver-endpoint/check-apiserver.sh",
      "/etc/kubernetes/apiserver-endpoint/haproxy.cfg",
      "/etc/kubernetes/apiserver-endpoint/keepalived.conf",
      "/etc/systemd/system/kube-apiserver-lb.service",
      "/etc/systemd/system/kube-apiserver-vip.service",
    ];
    for (const node of ["cp-1", "cp-2", "cp-3"])
      expect(paths(ha, node)).toEqual(expect.arrayContaining(endpointFiles));
    for (const node of ["worker-1", "worker-2", "worker-3"])
      expect(paths(ha, node).filter((path) => endpointFiles.includes(path))).toEqual([]);

    const haproxy = file(ha, "cp-2", "/etc/kubernetes/apiserver-endpoint/haproxy.cfg");
    expect(haproxy).toMatch(/^ {2}bind :8443$/m);
    expect(haproxy.match(/^ {2}server .*$/gm)).toEqual([
      "  server cp-1 192.168.50.11:6443 check verify none",
      "  server cp-2 192.168.50.12:6443 check verify none",
      "  server cp-3 192.168.50.13:6443 check verify none",
    ]);
    const keepalived = file(ha, "cp-2", "/etc/kubernetes/apiserver-endpoint/keepalived.conf");
    expect(keepalived).toContain("  interface eth0\n");
    expect(keepalived).toContain("  virtual_router_id 51\n");
    expect(keepalived).toContain("  unicast_src_ip 192.168.50.12\n");
    expect(keepalived).toContain("  unicast_peer {\n    192.168.50.11\n    192.168.50.13\n  }\n");
    expect(keepalived).toContain(`    ${VIP}/32 dev eth0\n`);
    // The first control-plane node holds the address while it is healthy.
    const priorities = ["cp-1", "cp-2", "cp-3"].map((node) =>
      Number(
        /priority (\d+)/.exec(file(ha, node, "/etc/kubernetes/apiserver-endpoint/keepalived.conf"))?.[1],
      ),
    );
    expect(priorities).toEqual([150, 149, 148]);
  });

  it("haproxy itself accepts its configuration (haproxy -c)", () => {
    const haproxy = spawnSync("haproxy", ["-v"], { encoding: "utf8" });
    expect(haproxy.status).toBe(0);
    const path = join(scratch, "haproxy.cfg");
    writeFileSync(path, file(ha, "cp-1", "/etc/kubernetes/apiserver-endpoint/haproxy.cfg"));
    const checked = spawnSync("haproxy", ["-c", "-f", path], { encoding: "utf8" });
    expect(checked.stdout + checked.stderr).toContain("Configuration file is valid");
    expect(checked.stderr).not.toMatch(/WARNING|ALERT/);
    expect(checked.status).toBe(0);
  });

  it("install.sh checks haproxy, keepalived, curl and the interface; validate.sh checks the units and the endpoint's certificate", async () => {
    const bundles = await bundleClusterNative(ha);
    const unpack = (node: string): string => {
      const bundle = bundles.nodes.find((entry) => entry.fileName === `${node}.tar.gz`);
      const directory = join(scratch, node);
      mkdirSync(directory, { recursive: true });
      writeFileSync(join(scratch, `${node}.tar.gz`), bundle?.bytes ?? new Uint8Array());
      expect(spawnSync("tar", ["-xzf", join(scratch, `${node}.tar.gz`), "-C", directory]).status).toBe(0);
      return directory;
    };
    const cp = unpack("cp-1");
    const install = readFileSync(join(cp, "install.sh"), "utf8");
    expect(install).toMatch(/^ {2}check_binary \/usr\/sbin\/haproxy 'HAProxy version' .* -v$/m);
    expect(install).toMatch(/^ {2}check_version_at_least \/usr\/sbin\/haproxy 2\.2 /m);
    expect(install).toMatch(/^ {2}check_binary \/usr\/sbin\/keepalived Keepalived .* --version$/m);
    expect(install).toMatch(/^ {2}check_vip_interface eth0 192\.168\.50\.11$/m);
    expect(install).toMatch(/^ {2}check_command curl /m);
    const units = /^UNITS=\(\n([\s\S]*?)\n\)$/m
      .exec(install)?.[1]
      ?.split("\n")
      .map((line) => line.trim());
    expect(units).toEqual(
      expect.arrayContaining(["kube-apiserver-lb.service", "kube-apiserver-vip.service"]),
    );
    const validate = readFileSync(join(cp, "validate.sh"), "utf8");
    expect(validate).toContain(
      "check 'kube-apiserver-lb.service is active' systemctl is-active kube-apiserver-lb.service",
    );
    expect(validate).toContain(
      "check 'kube-apiserver-vip.service is active' systemctl is-active kube-apiserver-vip.service",
    );
    expect(validate).toContain(
      `curl -fsS --max-time 10 --cacert /etc/kubernetes/pki/ca.crt ${ENDPOINT}/healthz`,
    );
    const worker = unpack("worker-1");
    expect(readFileSync(join(worker, "install.sh"), "utf8")).not.toMatch(
      /^ {2}(check_binary \/usr\/sbin\/(haproxy|keepalived)|check_vip_interface|check_command curl) /m,
    );
    const workerValidate = readFileSync(join(worker, "validate.sh"), "utf8");
    expect(workerValidate).toContain(
      `the API endpoint ${ENDPOINT} answers /healthz with a certificate for its host`,
    );
    expect(workerValidate).not.toContain("kube-apiserver-lb.service");
    for (const script of [join(cp, "install.sh"), join(cp, "validate.sh"), join(worker, "validate.sh")]) {
      const lint = spawnSync("shellcheck", [script], { encoding: "utf8" });
      expect(lint.stdout).toBe("");
    }
  });
});

describe("controlPlane.endpoint (external)", () => {
  it("names the operator's load balancer in every client and every apiserver certificate, and writes nothing for it", async () => {
    const text = fixtureText("current-ha.yaml").replace(
      / {2}endpoint:\n(?: {4}.*\n)+/,
      "  endpoint:\n    host: API.prod.example.com\n    loadBalancer: external\n",
    );
    const cluster = await generate(text);
    expect(cluster.plan.controlPlane.apiserverURL).toBe("https://api.prod.example.com:6443");
    expect(server(file(cluster, "worker-1", "/var/lib/kubelet/kubeconfig"))).toBe(
      "https://api.prod.example.com:6443",
    );
    expect(paths(cluster, "cp-1").filter((path) => path.includes("apiserver-endpoint"))).toEqual([]);
    const certificate = new X509Certificate(file(cluster, "cp-3", "/etc/kubernetes/pki/apiserver.crt"));
    expect(certificate.checkHost("api.prod.example.com")).toBe("api.prod.example.com");
  });

  it("without an endpoint, more than one control-plane node is a warning that names the single point of failure", () => {
    const text = fixtureText("current-ha.yaml").replace(/ {2}endpoint:\n(?: {4}.*\n)+/, "");
    const { warnings } = parseSpecText(text, { fileName: "spec.yaml" });
    expect(warnings.map((warning) => `${warning.pointer}: ${warning.message}`)).toContain(
      "/controlPlane: 3 control-plane nodes, but every kubelet, kube-proxy and admin kubeconfig names 192.168.50.11 (masterIP): losing that node loses the API for all of them.",
    );
  });
});
