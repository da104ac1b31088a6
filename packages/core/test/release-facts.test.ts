// The release-facts table (src/versions/release-facts.json) is written by scripts/release-facts, a Go
// program that downloads the exact release sources through the Go module proxy and reads them with
// go/ast. The first test proves the committed table is what the program makes of those sources; the
// others pin facts the rest of kubescratch relies on, so a regenerated table that drops one fails here.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { repoRoot } from "./helpers.js";

interface BinaryFacts {
  mainPackage: string;
  addFlags: string;
  flags: string[];
  deprecated: string[];
  hidden: string[];
  usageSaysDeprecated: string[];
  flagsFromHelpers: Record<string, string[]>;
  global: Record<string, string[]>;
  globalShadowed: string[];
  goFlagsMerged: boolean;
  normalizeFunc?: string;
  unresolved?: string[];
}

interface CsvRule {
  file: string;
  func: string;
  minColumns: number | null;
  maxColumns: number | null;
  condition: string | null;
  rejectIf: string[];
  optionalIf: string[];
  fieldsPerRecord: number | null;
  columnsRead: number[];
}

interface DnsContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
}

interface CloudConfig {
  file: string;
  type: string;
  sections: Record<string, string[]>;
  multiValued: Record<string, string[]>;
  readBy: string[];
  tagsGcfgIgnores?: Record<string, string[]>;
}

interface LegacyRelease {
  module: string;
  binaries: Record<string, BinaryFacts>;
  cloudProviders: string[];
  cloudConfigs: Record<string, CloudConfig>;
  gceCloudConfig: CloudConfig;
  rkt: {
    file: string;
    constants: Record<string, string>;
    runPreparedIn: string[];
    runPreparedFlags: string[];
    runPreparedAppended: string[];
  };
  kube2sky: { file: string; package: "flag" | "pflag"; flags: string[]; normalizeFunc?: string };
  tokenAuthFile: CsvRule;
  basicAuthFile: CsvRule;
  dnsAddon: {
    file: string;
    name: string;
    labels: Record<string, string>;
    containers: DnsContainer[];
    service: { file: string; name: string; clusterIP: string; ports: string[] };
  };
  saltApiserverLivenessProbe: { file: string; host: string; port: number; path: string; excerpt: string };
  saltEtcdImage: { file: string; image: string; tag: string };
}

interface EtcdFacts {
  requested: string;
  module: string;
  note?: string;
  file: string;
  flags: string[];
  deprecated: string[];
  ignored: string[];
  usedBy: string[];
}

interface KubeadmPins {
  module: string;
  etcdVersion: string;
  etcdVersionFrom: string;
  defaultEtcdVersion: string;
  supportedEtcdVersion: Record<string, string>;
  pauseVersion: string;
  coreDNSVersion: string;
  sources: Record<string, string>;
}

interface ReleaseFacts {
  schema: number;
  legacy: Record<string, LegacyRelease>;
  etcd: Record<string, EtcdFacts>;
  kubeadm: Record<string, KubeadmPins>;
}

const tablePath = join(repoRoot, "packages", "core", "src", "versions", "release-facts.json");
const facts = JSON.parse(readFileSync(tablePath, "utf8")) as ReleaseFacts;

function binary(release: string, name: string): BinaryFacts {
  const found = facts.legacy[release]?.binaries[name];
  if (!found) throw new Error(`no ${name} facts for ${release}`);
  return found;
}

function legacy(release: string): LegacyRelease {
  const found = facts.legacy[release];
  if (!found) throw new Error(`no facts for ${release}`);
  return found;
}

function globalFlags(release: string, name: string): string[] {
  return Object.values(binary(release, name).global).flat();
}

describe("release facts table", () => {
  test("is exactly what scripts/release-facts reads from the release sources", () => {
    // The Go program is its own module, so it runs from its directory (go -C); it finds the table
    // from there.
    const result = spawnSync("go", ["-C", "scripts/release-facts", "run", ".", "-check"], {
      cwd: repoRoot,
      encoding: "utf8",
      env: { ...process.env, PATH: [process.env["PATH"] ?? "", "/usr/local/go/bin"].join(delimiter) },
      timeout: 590_000,
    });
    if (result.error) throw result.error;
    // On failure the received object shows the program's diff summary.
    expect({ status: result.status, stderr: result.stderr }).toMatchObject({ status: 0 });
  }, 600_000);

  test("covers the legacy releases, the era's etcd and every current minor", () => {
    expect(facts.schema).toBe(1);
    expect(Object.keys(facts.legacy).sort()).toEqual(["v1.1.8", "v1.2.7"]);
    expect(Object.keys(facts.kubeadm).sort()).toEqual([
      "1.30",
      "1.31",
      "1.32",
      "1.33",
      "1.34",
      "1.35",
      "1.36",
    ]);
    for (const [release, r] of Object.entries(facts.legacy)) {
      expect(r.module).toBe(`k8s.io/kubernetes@${release}`);
      expect(Object.keys(r.binaries).sort()).toEqual([
        "kube-apiserver",
        "kube-controller-manager",
        "kube-proxy",
        "kube-scheduler",
        "kubelet",
      ]);
      expect(r.binaries["kube-scheduler"]?.mainPackage).toBe("plugin/cmd/kube-scheduler");
      for (const b of Object.values(r.binaries)) {
        expect(b.unresolved).toBeUndefined();
        expect(b.flags.length).toBeGreaterThan(5);
        expect(b.flags.every((f) => f.startsWith("--"))).toBe(true);
        expect(b.deprecated.every((f) => b.flags.includes(f))).toBe(true);
        // glog's flags reach every component through util.InitFlags (AddGoFlagSet).
        expect(b.goFlagsMerged).toBe(true);
        expect(b.normalizeFunc).toBe("WordSepNormalizeFunc");
        expect(Object.values(b.global).flat()).toEqual(
          expect.arrayContaining(["--v", "--log_dir", "--version"]),
        );
      }
    }
  });

  test("component flags per legacy release", () => {
    const apiserver12 = binary("v1.2.7", "kube-apiserver").flags;
    expect(apiserver12).toContain("--etcd-servers");
    expect(apiserver12).not.toContain("--cluster-name");
    expect(binary("v1.1.8", "kube-apiserver").flags).toContain("--cluster-name");
    expect(binary("v1.2.7", "kube-apiserver").addFlags).toBe(
      "cmd/kube-apiserver/app/options/options.go: (*APIServer).AddFlags",
    );
    expect(binary("v1.1.8", "kube-apiserver").addFlags).toBe(
      "cmd/kube-apiserver/app/server.go: (*APIServer).AddFlags",
    );

    for (const release of ["v1.1.8", "v1.2.7"]) {
      const cm = binary(release, "kube-controller-manager").flags;
      expect(cm).toEqual(
        expect.arrayContaining([
          "--cluster-name",
          "--root-ca-file",
          "--allocate-node-cidrs",
          "--cluster-cidr",
        ]),
      );
      const kubelet = binary(release, "kubelet").flags;
      expect(kubelet).toEqual(
        expect.arrayContaining([
          "--api-servers",
          "--configure-cbr0",
          "--config",
          "--hostname-override",
          "--rkt-path",
          "--rkt-stage1-image",
          "--network-plugin",
        ]),
      );
      // --docker-root is not the kubelet's own flag: it is cAdvisor's Go flag docker_root, merged
      // into the command line and accepted as --docker-root through WordSepNormalizeFunc.
      expect(kubelet).not.toContain("--docker-root");
      expect(globalFlags(release, "kubelet")).toContain("--docker_root");
    }
    // The controller manager's leader-election flags come from a helper in another package (1.2).
    expect(binary("v1.2.7", "kube-controller-manager").flagsFromHelpers).toEqual({
      "pkg/client/leaderelection/leaderelection.go": [
        "--leader-elect",
        "--leader-elect-lease-duration",
        "--leader-elect-renew-deadline",
        "--leader-elect-retry-period",
      ],
    });
    expect(binary("v1.1.8", "kube-proxy").flags).not.toContain("--cluster-cidr");
    expect(binary("v1.2.7", "kube-proxy").flags).toContain("--cluster-cidr");
    expect(binary("v1.1.8", "kubelet").flags).not.toContain("--reconcile-cidr");
    expect(binary("v1.2.7", "kubelet").flags).toContain("--reconcile-cidr");
    expect(binary("v1.1.8", "kube-apiserver").deprecated).toEqual(
      expect.arrayContaining(["--port", "--address", "--portal-net"]),
    );
  });

  test("credential CSV files and the GCE cloud config", () => {
    for (const release of ["v1.1.8", "v1.2.7"]) {
      const r = legacy(release);
      // At least three columns, no upper bound: the source rejects len(record) < 3 only. It is not
      // "exactly 3".
      for (const rule of [r.tokenAuthFile, r.basicAuthFile]) {
        expect(rule).toMatchObject({ minColumns: 3, maxColumns: null, condition: "len(record) < 3" });
      }
    }
    // 1.1: encoding/csv's default FieldsPerRecord (0) makes every row as wide as the first; 1.2 allows
    // ragged rows and reads a fourth column (groups) when present.
    expect(legacy("v1.1.8").tokenAuthFile).toMatchObject({ fieldsPerRecord: null, columnsRead: [0, 1, 2] });
    expect(legacy("v1.2.7").tokenAuthFile).toMatchObject({
      fieldsPerRecord: -1,
      columnsRead: [0, 1, 2, 3],
      optionalIf: ["len(record) >= 4"],
    });
    expect(legacy("v1.1.8").gceCloudConfig.sections).toEqual({
      Global: ["network-name", "project-id", "token-body", "token-url"],
    });
    expect(legacy("v1.2.7").gceCloudConfig.sections["Global"]).toEqual(
      expect.arrayContaining(["node-tags", "multizone", "node-instance-prefix"]),
    );
  });

  test("cloud providers and their cloud-config files", () => {
    expect(legacy("v1.1.8").cloudProviders).toEqual([
      "aws",
      "gce",
      "mesos",
      "openstack",
      "ovirt",
      "rackspace",
      "vagrant",
    ]);
    expect(legacy("v1.1.8").cloudProviders).not.toContain("openshift");
    expect(legacy("v1.2.7").cloudProviders).toEqual([
      "aws",
      "gce",
      "mesos",
      "openstack",
      "ovirt",
      "rackspace",
    ]);
    for (const release of ["v1.1.8", "v1.2.7"]) {
      const r = legacy(release);
      // Every provider with a cloud-config file is a registered one; vagrant reads none.
      expect(Object.keys(r.cloudConfigs).every((p) => r.cloudProviders.includes(p))).toBe(true);
      expect(Object.keys(r.cloudConfigs).sort()).toEqual([
        "aws",
        "gce",
        "mesos",
        "openstack",
        "ovirt",
        "rackspace",
      ]);
      expect(r.gceCloudConfig).toEqual(r.cloudConfigs["gce"]);
      // Sections declared inline (Global) and as named types of the package (LoadBalancer).
      expect(Object.keys(r.cloudConfigs["openstack"]?.sections ?? {}).sort()).toEqual([
        "Global",
        "LoadBalancer",
      ]);
      expect(r.cloudConfigs["openstack"]?.sections["Global"]).toEqual(
        expect.arrayContaining(["auth-url", "Username", "Password", "tenant-id", "Region"]),
      );
      // LBMethod's tag is spelt gfcg, so gcfg ignores it: the key is lbmethod, not lb-method.
      expect(r.cloudConfigs["openstack"]?.sections["LoadBalancer"]).toContain("LBMethod");
      expect(r.cloudConfigs["openstack"]?.sections["LoadBalancer"]).not.toContain("lb-method");
      expect(r.cloudConfigs["openstack"]?.tagsGcfgIgnores).toEqual({
        LoadBalancer: ['LBMethod `gfcg:"lb-method"`'],
      });
      expect(r.cloudConfigs["aws"]?.type).toBe("AWSCloudConfig");
      expect(r.cloudConfigs["aws"]?.sections["Global"]).toEqual(
        expect.arrayContaining(["KubernetesClusterTag", "Zone"]),
      );
      expect(r.cloudConfigs["mesos"]?.sections).toEqual({
        Mesos_Cloud: ["http-client-timeout", "mesos-master", "state-cache-ttl"],
      });
      expect(r.cloudConfigs["ovirt"]?.sections).toEqual({
        Connection: ["password", "uri", "username"],
        Filters: ["vms"],
      });
    }
    expect(legacy("v1.2.7").cloudConfigs["aws"]?.sections["Global"]).toContain("DisableSecurityGroupIngress");
    expect(legacy("v1.2.7").cloudConfigs["gce"]?.multiValued).toEqual({ Global: ["node-tags"] });
  });

  test("the kubelet's rkt runtime", () => {
    const rkt11 = legacy("v1.1.8").rkt;
    const rkt12 = legacy("v1.2.7").rkt;
    expect(rkt11.constants).toMatchObject({ rktMinimumVersion: "0.8.1", systemdMinimumVersion: "219" });
    expect(rkt11.runPreparedFlags).toEqual(expect.arrayContaining(["--mds-register=false", "--private-net"]));
    expect(rkt12.constants).toMatchObject({
      minimumRktBinVersion: "0.13.0",
      minimumSystemdVersion: "219",
      minimumRktApiVersion: "1.0.0-alpha",
      defaultRktAPIServiceAddr: "localhost:15441",
      defaultNetworkName: "rkt.kubernetes.io",
    });
    // 1.2 builds the command from "run-prepared" and appends its flags: no --mds-register, and the
    // pod network is named, not --private-net.
    expect(rkt12.runPreparedFlags).toEqual([]);
    expect(rkt12.runPreparedAppended).toEqual(
      expect.arrayContaining(["--net=host", "--net=rkt.kubernetes.io"]),
    );
    expect(rkt12.runPreparedAppended).not.toContain("--private-net");
  });

  test("kube2sky's flags", () => {
    expect(legacy("v1.1.8").kube2sky).toMatchObject({
      package: "flag",
      flags: ["domain", "etcd-server", "etcd_mutation_timeout", "kube_master_url", "kubecfg_file"],
    });
    expect(legacy("v1.2.7").kube2sky).toMatchObject({
      package: "pflag",
      normalizeFunc: "util.WarnWordSepNormalizeFunc",
      flags: [
        "domain",
        "etcd-mutation-timeout",
        "etcd-server",
        "healthz-port",
        "kube-master-url",
        "kubecfg-file",
      ],
    });
  });

  test("the era's DNS addon, apiserver liveness probe and etcd", () => {
    const dns11 = legacy("v1.1.8").dnsAddon;
    const dns12 = legacy("v1.2.7").dnsAddon;
    expect([dns11.name, dns12.name]).toEqual(["kube-dns-v9", "kube-dns-v11"]);
    for (const dns of [dns11, dns12]) {
      expect(dns.containers.map((c) => c.name)).toEqual(["etcd", "kube2sky", "skydns", "healthz"]);
      const skydns = dns.containers.find((c) => c.name === "skydns");
      expect(skydns?.args).toContain("-ns-rotate=false");
      expect(skydns?.args).toContain("-domain={{ pillar['dns_domain'] }}.");
      expect(dns.service.clusterIP).toBe("{{ pillar['dns_server'] }}");
    }
    for (const release of ["v1.1.8", "v1.2.7"]) {
      expect(legacy(release).saltApiserverLivenessProbe).toMatchObject({
        host: "127.0.0.1",
        port: 8080,
        path: "/healthz",
      });
    }
    expect(legacy("v1.1.8").saltEtcdImage.tag).toBe("2.0.12");
    expect(legacy("v1.2.7").saltEtcdImage.tag).toBe("2.2.1");
    for (const [tag, etcd] of Object.entries(facts.etcd)) {
      expect(etcd.requested).toBe(`v${tag}`);
      expect(etcd.module).toMatch(/^github\.com\/coreos\/etcd@v2\.\d+\.\d+\+incompatible$/);
      expect(etcd.flags).toEqual(
        expect.arrayContaining([
          "--name",
          "--data-dir",
          "--listen-client-urls",
          "--advertise-client-urls",
          "--initial-cluster",
          "--initial-cluster-state",
          "--initial-cluster-token",
        ]),
      );
      expect(etcd.ignored.every((f) => etcd.flags.includes(f))).toBe(true);
    }
    // The proxy serves neither 2.0.12 nor 2.2.1: fixed stand-ins are read in their place.
    expect(facts.etcd["2.0.12"]?.module).toBe("github.com/coreos/etcd@v2.0.8+incompatible");
    expect(facts.etcd["2.2.1"]).toMatchObject({
      module: "github.com/coreos/etcd@v2.2.0+incompatible",
      note: "the module proxy here does not serve v2.2.1 (403); v2.2.0 is the nearest it serves",
    });
    expect(facts.etcd["2.2.1"]?.flags).toEqual(
      expect.arrayContaining(["--peer-client-cert-auth", "--client-cert-auth", "--trusted-ca-file"]),
    );
  });

  test("kubeadm's image pins for each current minor", () => {
    // The releases read are pinned in scripts/release-facts/kubeadm.go, not the proxy's newest patch.
    expect(
      Object.fromEntries(Object.entries(facts.kubeadm).map(([minor, pins]) => [minor, pins.module])),
    ).toEqual({
      "1.30": "k8s.io/kubernetes@v1.30.14",
      "1.31": "k8s.io/kubernetes@v1.31.14",
      "1.32": "k8s.io/kubernetes@v1.32.13",
      "1.33": "k8s.io/kubernetes@v1.33.13",
      "1.34": "k8s.io/kubernetes@v1.34.8",
      "1.35": "k8s.io/kubernetes@v1.35.4",
      "1.36": "k8s.io/kubernetes@v1.36.1",
    });
    for (const [minor, pins] of Object.entries(facts.kubeadm)) {
      const version = /^k8s\.io\/kubernetes@v(\d+\.\d+)\.\d+$/.exec(pins.module);
      expect(version?.[1]).toBe(minor);
      expect(pins).not.toHaveProperty("listed");
      const key = minor.split(".")[1] ?? "";
      expect(pins.etcdVersionFrom).toBe(`SupportedEtcdVersion[${key}]`);
      expect(pins.etcdVersion).toBe(pins.supportedEtcdVersion[key]);
      expect(pins.etcdVersion).toMatch(/^3\.\d+\.\d+-0$/);
      expect(pins.pauseVersion).toMatch(/^3\.\d+(\.\d+)?$/);
      expect(pins.coreDNSVersion).toMatch(/^v1\.\d+\.\d+$/);
      expect(Object.values(pins.sources).every((f) => f.startsWith("cmd/kubeadm/app/constants/"))).toBe(true);
    }
    expect(facts.kubeadm["1.30"]?.pauseVersion).toBe("3.9");
    expect(facts.kubeadm["1.36"]?.etcdVersion).toBe("3.6.8-0");
  });
});
