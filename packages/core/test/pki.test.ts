import { X509Certificate } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CERTIFICATE_PROFILES,
  expandProfiles,
  parseSpec,
  pkiArtifacts,
  planCluster,
  readPkiState,
  SpecError,
  type ClusterSpec,
  type ClusterSpecInput,
  type IssuedCertificate,
  type Pki,
} from "../src/index.js";
import { fixtureFiles, repoRoot } from "./helpers.js";
import { FIXED_NOW, fixtureSpec, issueFor, seededRandom } from "./pki-helpers.js";

const DAY = 86_400_000;

function byId(pki: Pki, id: string): IssuedCertificate {
  const found = pki.certificates.find((certificate) => certificate.id === id);
  if (!found) throw new Error(`no certificate ${id}`);
  return found;
}

function x509(certificate: IssuedCertificate): X509Certificate {
  if (!certificate.certificatePem) throw new Error(`${certificate.id} has no certificate`);
  return new X509Certificate(certificate.certificatePem);
}

function withChanges(name: string, change: (input: ClusterSpecInput) => void): { spec: ClusterSpec } {
  const { spec } = fixtureSpec(name);
  const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
  change(input);
  return parseSpec(input);
}

describe("the certificate table", () => {
  it("names only signers that are CAs earlier in the table, for every era the row is in", () => {
    CERTIFICATE_PROFILES.forEach((profile, position) => {
      if (profile.signer === "self") {
        expect(profile.usage).toBe("ca");
        return;
      }
      const signer = CERTIFICATE_PROFILES.findIndex((row) => row.name === profile.signer);
      expect(signer).toBeGreaterThanOrEqual(0);
      expect(signer).toBeLessThan(position);
      expect(CERTIFICATE_PROFILES[signer]?.usage).toBe("ca");
      for (const era of profile.eras) expect(CERTIFICATE_PROFILES[signer]?.eras).toContain(era);
    });
  });

  it("has unique names, a reason and seed requirements on every row", () => {
    const names = CERTIFICATE_PROFILES.map((profile) => profile.name);
    expect(new Set(names).size).toBe(names.length);
    for (const profile of CERTIFICATE_PROFILES) {
      expect(profile.why.length).toBeGreaterThan(20);
      expect(profile.requirements.length).toBeGreaterThan(0);
      for (const id of profile.requirements) expect(id).toMatch(/^S([1-9]|[12][0-9]|3[01])$/);
    }
  });

  for (const { name } of fixtureFiles("specs")) {
    it(`expands ${name} into unique ids with every CA before the certificates it signs`, () => {
      const { spec, plan } = fixtureSpec(name);
      const requests = expandProfiles({ plan, spec }, true);
      const ids = requests.map((request) => request.id);
      expect(new Set(ids).size).toBe(ids.length);
      requests.forEach((request, position) => {
        if (request.signer === "self") return;
        const signer = ids.indexOf(request.signer);
        expect(signer).toBeGreaterThanOrEqual(0);
        expect(signer).toBeLessThan(position);
        expect(requests[signer]?.isCA).toBe(true);
      });
    });
  }
});

describe("current Kubernetes PKI (anchors.md §2.2)", () => {
  let pki: Pki;
  beforeAll(async () => {
    const { spec, plan } = fixtureSpec("current-ha.yaml");
    pki = await issueFor(spec, plan);
  });

  it("issues the full kubeadm set, per node where kubeadm is per node", () => {
    const ids = pki.certificates.map((certificate) => certificate.id);
    for (const id of [
      "ca",
      "front-proxy-ca",
      "etcd-ca",
      "apiserver/cp-1",
      "apiserver-kubelet-client",
      "front-proxy-client",
      "etcd-server/cp-3",
      "etcd-peer/cp-3",
      "etcd-healthcheck-client",
      "apiserver-etcd-client",
      "controller-manager/cp-2",
      "scheduler/cp-2",
      "kubelet-client/worker-3",
      "kubelet-serving/worker-3",
      "kube-proxy/worker-3",
      "admin/alice",
    ]) {
      expect(ids).toContain(id);
    }
    expect(pki.serviceAccountKey?.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it("spells the apiserver's names right and covers every address a client dials", () => {
    const cert = x509(byId(pki, "apiserver/cp-2"));
    for (const host of [
      "kubernetes",
      "kubernetes.default",
      "kubernetes.default.svc",
      "kubernetes.default.svc.cluster.local",
      "cp-2",
      "api.prod.example.com",
    ]) {
      expect(cert.checkHost(host, { subject: "never" })).toBe(host);
    }
    for (const address of ["10.32.0.1", "192.168.50.12", "192.168.50.11", "127.0.0.1"]) {
      expect(cert.checkIP(address)).toBe(address);
    }
    expect(cert.checkIP("192.168.50.13")).toBeUndefined();
  });

  it("gives etcd server and peer certificates both server and client usage (etcd-io/etcd#9785)", () => {
    for (const id of ["etcd-server/cp-1", "etcd-peer/cp-1"]) {
      expect(x509(byId(pki, id)).keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
      expect(x509(byId(pki, id)).checkIP("127.0.0.1")).toBe("127.0.0.1");
    }
  });

  it("uses the exact identities the Node authorizer and the built-in roles know", () => {
    expect(x509(byId(pki, "kubelet-client/worker-1")).subject).toBe(
      "O=system:nodes\nCN=system:node:worker-1",
    );
    expect(x509(byId(pki, "controller-manager/cp-1")).subject).toBe("CN=system:kube-controller-manager");
    expect(x509(byId(pki, "scheduler/cp-1")).subject).toBe("CN=system:kube-scheduler");
    expect(x509(byId(pki, "kube-proxy/worker-1")).subject).toBe("CN=system:kube-proxy");
    // Not system:masters: the identity is bound to system:kubelet-api-admin instead.
    expect(x509(byId(pki, "apiserver-kubelet-client")).subject).toBe("CN=kube-apiserver-kubelet-client");
    expect(byId(pki, "apiserver-kubelet-client").clusterRole).toBe("system:kubelet-api-admin");
  });

  it("signs every leaf by the CA its row names and marks only CAs as CAs", () => {
    const certificates = new Map(pki.certificates.map((entry) => [entry.id, x509(entry)]));
    for (const entry of pki.certificates) {
      const cert = certificates.get(entry.id) as X509Certificate;
      const signer = certificates.get(entry.signer === "self" ? entry.id : entry.signer) as X509Certificate;
      expect(cert.checkIssued(signer)).toBe(true);
      expect(cert.verify(signer.publicKey)).toBe(true);
      expect(cert.ca).toBe(entry.usage === "ca");
      expect(entry.keyAlgorithm).toBe("ecdsa-p256");
    }
  });

  it("starts certificates 5 minutes early and ends them after the configured validity", () => {
    const leaf = x509(byId(pki, "apiserver/cp-1"));
    const ca = x509(byId(pki, "ca"));
    expect(Date.parse(leaf.validFrom)).toBe(FIXED_NOW.getTime() - 5 * 60_000);
    expect(Date.parse(leaf.validTo)).toBe(FIXED_NOW.getTime() + 365 * DAY);
    expect(Date.parse(ca.validTo)).toBe(FIXED_NOW.getTime() + 3650 * DAY);
  });
});

describe("credentials for the seed's releases (S13, S15)", () => {
  it("makes 32-character tokens by the seed's recipe and lists them in known_tokens.csv", async () => {
    const { spec, plan } = fixtureSpec("seed-https.yaml");
    const pki = await issueFor(spec, plan);
    expect(pki.tokens.map((entry) => entry.id)).toEqual(["admin/admin", "kubelet", "kube-proxy"]);
    for (const entry of pki.tokens) expect(entry.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(new Set(pki.tokens.map((entry) => entry.token)).size).toBe(3);
    const master = pkiArtifacts(pki, plan).nodes.get(plan.controlPlane.nodes[0] as string) ?? [];
    const csv = master.find((artifact) => artifact.path === "/srv/kubernetes/known_tokens.csv");
    const [admin, kubelet] = pki.tokens;
    expect(csv?.content.split("\n")[0]).toBe(`${admin?.token},admin,admin,"system:masters"`);
    expect(csv?.content.split("\n")[1]).toBe(`${kubelet?.token},kubelet,kubelet`);
    expect(csv?.mode).toBe(0o600);
    const basic = master.find((artifact) => artifact.path === "/srv/kubernetes/basic_auth.csv");
    expect(basic?.content).toMatch(/^[A-Za-z0-9]{32},admin,admin\n$/);
  });

  it("per-role: every kubelet shares one token, every kube-proxy another; neither is the admin's", async () => {
    const { spec, plan } = fixtureSpec("seed-https.yaml");
    const pki = await issueFor(spec, plan);
    const token = (name: string) => pki.tokens.find((entry) => entry.id === name)?.token as string;
    const kubelets = pki.kubeconfigs.filter((entry) => entry.name === "kubelet");
    expect(kubelets).toHaveLength(plan.nodes.length);
    for (const kubeconfig of kubelets) {
      expect(kubeconfig.content).toContain(`token: ${token("kubelet")}`);
      expect(kubeconfig.content).not.toContain(token("admin/admin"));
    }
    for (const kubeconfig of pki.kubeconfigs.filter((entry) => entry.name === "kube-proxy")) {
      expect(kubeconfig.content).toContain(`token: ${token("kube-proxy")}`);
    }
  });

  it("admin-shared: kubelets and kube-proxies use the admin's token", async () => {
    const { spec } = withChanges("seed-https.yaml", (input) => {
      input.security = { ...input.security, credentialLayout: "admin-shared" };
    });
    const plan = planCluster(spec);
    const pki = await issueFor(spec, plan);
    expect(pki.tokens.map((entry) => entry.id)).toEqual(["admin/admin"]);
    const admin = pki.tokens[0]?.token as string;
    for (const kubeconfig of pki.kubeconfigs.filter((entry) => entry.name !== "admin")) {
      expect(kubeconfig.content).toContain(`token: ${admin}`);
    }
  });

  it("the admin's HTTPS kubeconfig embeds the CA, a client certificate and key, and the token (S14)", async () => {
    const { spec, plan } = fixtureSpec("seed-https.yaml");
    const pki = await issueFor(spec, plan);
    const admin = pki.kubeconfigs.find((entry) => entry.name === "admin")?.content ?? "";
    for (const field of [
      "certificate-authority-data:",
      "client-certificate-data:",
      "client-key-data:",
      "token:",
    ]) {
      expect(admin).toContain(field);
    }
    expect(admin).toContain(`server: https://${plan.controlPlane.masterIP}`);
  });

  it("firewall-only: no certificates, tokens or keys but the service-account key; plain-HTTP kubeconfigs", async () => {
    const { spec, plan } = fixtureSpec("seed-firewall.yaml");
    const pki = await issueFor(spec, plan);
    expect(pki.certificates).toEqual([]);
    expect(pki.tokens).toEqual([]);
    // No server.key to sign service-account tokens with: a key of their own, RSA (RS256 only then).
    expect(pki.serviceAccountKey?.keyAlgorithm).toBe("rsa-2048");
    for (const kubeconfig of pki.kubeconfigs) {
      expect(kubeconfig.content).toContain("insecure-skip-tls-verify: true");
      expect(kubeconfig.content).toContain(`server: http://${plan.controlPlane.masterIP}:8080`);
      expect(kubeconfig.content).not.toMatch(/token:|client-key-data/);
    }
  });
});

describe("least privilege (DESIGN.md)", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: a node holds only its own keys; a worker no CA key, service-account key, admin credential or tokens`, async () => {
      const { spec, plan } = fixtureSpec(name);
      const pki = await issueFor(spec, plan);
      const shares = pkiArtifacts(pki, plan);
      const keyOwner = new Map<string, string>();
      for (const certificate of pki.certificates) {
        if (certificate.privateKeyPem) keyOwner.set(certificate.privateKeyPem.trim(), certificate.id);
      }
      const adminKeys = pki.certificates
        .filter((entry) => entry.admin !== undefined)
        .map((entry) => entry.privateKeyPem);
      const adminTokens = pki.tokens
        .filter((entry) => entry.id.startsWith("admin/"))
        .map((entry) => entry.token);
      for (const node of plan.nodes) {
        const share = shares.nodes.get(node.name) ?? [];
        const text = share.map((artifact) => artifact.content).join("\n");
        const decoded = share
          .filter((artifact) => artifact.kind === "kubeconfig")
          .flatMap((artifact) =>
            [...artifact.content.matchAll(/-data: (\S+)/g)].map((match) =>
              Buffer.from(match[1] as string, "base64").toString(),
            ),
          );
        const keys = [
          ...share.filter((artifact) => artifact.kind === "private-key").map((artifact) => artifact.content),
          ...decoded.filter((pem) => pem.includes("PRIVATE KEY")),
        ];
        for (const key of keys) {
          const owner = keyOwner.get(key.trim());
          if (owner === undefined) {
            expect(key).toBe(pki.serviceAccountKey?.privateKeyPem);
            expect(node.roles).toContain("control-plane");
            continue;
          }
          const certificate = pki.certificates.find((entry) => entry.id === owner) as IssuedCertificate;
          expect(certificate.admin).toBeUndefined();
          if (certificate.node !== undefined) expect(certificate.node).toBe(node.name);
          if (certificate.usage === "ca") {
            expect(certificate.id).toBe("ca");
            expect(node.roles).toContain("control-plane");
          }
        }
        for (const key of adminKeys) expect(text).not.toContain(key);
        if (node.roles.includes("control-plane")) continue;
        for (const token of adminTokens) expect(text).not.toContain(token);
        expect(
          share
            .map((artifact) => artifact.path)
            .filter((path) => /ca\.key|sa\.key|known_tokens|basic_auth/.test(path)),
        ).toEqual([]);
      }
    });
  }
});

describe("reproducible and reusable (S1; DESIGN.md determinism)", () => {
  it("same spec, clock, random source and keys give byte-identical PEMs and kubeconfigs", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const first = await issueFor(spec, plan);
    const second = await issueFor(spec, plan);
    expect(JSON.stringify(second.state)).toBe(JSON.stringify(first.state));
    expect(second.kubeconfigs).toEqual(first.kubeconfigs);
    const reseeded = await issueFor(spec, plan, { random: seededRandom("another seed") });
    expect(byId(reseeded, "ca").serialNumber).not.toBe(byId(first, "ca").serialNumber);
  });

  it("with a complete state: no key is generated and every certificate is reused byte for byte", async () => {
    for (const name of ["minimal.yaml", "current-ha.yaml", "seed-https.yaml"]) {
      const { spec, plan } = fixtureSpec(name);
      const first = await issueFor(spec, plan);
      const again = await issueFor(spec, plan, { previousState: first.state, random: seededRandom("other") });
      expect(again.keysGenerated).toBe(0);
      expect(again.certificates.map((entry) => `${entry.id}:${entry.status}`)).toEqual(
        first.certificates.map((entry) => `${entry.id}:reused`),
      );
      expect(again.state).toEqual(first.state);
      expect(again.kubeconfigs).toEqual(first.kubeconfigs);
    }
  });

  it("adding a node issues only that node's material", async () => {
    const { spec, plan } = fixtureSpec("current-ha.yaml");
    const first = await issueFor(spec, plan);
    const grown = withChanges("current-ha.yaml", (input) => {
      input.nodes.push({ name: "worker-4", ip: "192.168.50.24", roles: ["worker"] });
    }).spec;
    const second = await issueFor(grown, planCluster(grown), { previousState: first.state });
    const fresh = second.certificates.filter((entry) => entry.status !== "reused").map((entry) => entry.id);
    expect(fresh).toEqual(["kubelet-client/worker-4", "kubelet-serving/worker-4", "kube-proxy/worker-4"]);
    expect(second.keysGenerated).toBe(3);
  });

  it("a new apiserver name reissues only the apiserver certificates, with their keys and a reason", async () => {
    const { spec, plan } = fixtureSpec("current-ha.yaml");
    const first = await issueFor(spec, plan);
    const renamed = withChanges("current-ha.yaml", (input) => {
      input.security = {
        ...input.security,
        apiserverExtraSANs: ["127.0.0.1", "api.prod.example.com", "10.0.0.99"],
      };
    }).spec;
    const second = await issueFor(renamed, planCluster(renamed), { previousState: first.state });
    const changed = second.certificates.filter((entry) => entry.status !== "reused");
    expect(changed.map((entry) => entry.id)).toEqual(["apiserver/cp-1", "apiserver/cp-2", "apiserver/cp-3"]);
    expect(changed[0]?.status).toBe("reissued");
    expect(changed[0]?.reason).toBe("names changed: adds 10.0.0.99");
    expect(changed[0]?.privateKeyPem).toBe(byId(first, "apiserver/cp-1").privateKeyPem);
    expect(second.keysGenerated).toBe(0);
  });

  it("renews leaves in the last third of their lifetime and keeps the CA and every key", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const first = await issueFor(spec, plan);
    const later = new Date(FIXED_NOW.getTime() + 300 * DAY);
    const second = await issueFor(spec, plan, { previousState: first.state, now: later });
    expect(second.keysGenerated).toBe(0);
    for (const entry of second.certificates) {
      if (entry.usage === "ca") expect(entry.status).toBe("reused");
      else {
        expect(entry.status).toBe("reissued");
        expect(entry.reason).toMatch(/^due for renewal: expires on 2027-03-01/);
      }
    }
  });

  it("renews a CA that would expire before today's leaves with the same key, keeping what it signed", async () => {
    const { spec } = withChanges("minimal.yaml", (input) => {
      input.security = { ...input.security, caValidityDays: 400, leafValidityDays: 365 };
    });
    const plan = planCluster(spec);
    const first = await issueFor(spec, plan);
    const later = new Date(FIXED_NOW.getTime() + 40 * DAY);
    const second = await issueFor(spec, plan, { previousState: first.state, now: later });
    const renewed = byId(second, "ca");
    expect(renewed.status).toBe("reissued");
    expect(renewed.reason).toMatch(/^it would expire \(2027-04-05\) before certificates issued today$/);
    expect(renewed.privateKeyPem).toBe(byId(first, "ca").privateKeyPem);
    const leaves = second.certificates.filter((entry) => entry.usage !== "ca");
    expect(leaves.every((entry) => entry.status === "reused")).toBe(true);
    const kept = x509(byId(second, "apiserver/master"));
    expect(kept.checkIssued(x509(renewed))).toBe(true);
    expect(kept.verify(x509(renewed).publicKey)).toBe(true);
  });

  it("a changed key algorithm replaces every key and says why", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const first = await issueFor(spec, plan);
    const ecdsa = withChanges("minimal.yaml", (input) => {
      input.security = { ...input.security, keyAlgorithm: "ecdsa-p384" };
    }).spec;
    const second = await issueFor(ecdsa, plan, { previousState: first.state });
    expect(second.certificates.every((entry) => entry.status === "reissued")).toBe(true);
    expect(byId(second, "ca").reason).toBe("key algorithm changed from rsa-2048 to ecdsa-p384");
    expect(x509(byId(second, "apiserver/master")).publicKey.asymmetricKeyDetails?.namedCurve).toBe(
      "secp384r1",
    );
    expect(x509(byId(second, "apiserver/master")).verify(x509(byId(second, "ca")).publicKey)).toBe(true);
  });

  it("a removed node's material leaves the state", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const first = await issueFor(spec, plan);
    const shrunk = withChanges("minimal.yaml", (input) => {
      input.nodes = input.nodes.filter((node) => node.name !== "worker-3");
    }).spec;
    const second = await issueFor(shrunk, planCluster(shrunk), { previousState: first.state });
    expect(Object.keys(second.state.certificates).filter((id) => id.endsWith("/worker-3"))).toEqual([]);
    expect(second.keysGenerated).toBe(0);
  });
});

describe("expiry (anchors.md §7.2)", () => {
  it("warns about every certificate that expires within 30 days", async () => {
    const short = withChanges("minimal.yaml", (input) => {
      input.security = { ...input.security, leafValidityDays: 20 };
    }).spec;
    const pki = await issueFor(short, planCluster(short));
    const leaves = pki.certificates.filter((entry) => entry.usage !== "ca");
    expect(pki.warnings).toHaveLength(leaves.length);
    expect(pki.warnings[0]?.message).toMatch(
      /^certificate apiserver\/master expires on 2026-03-21, in 20 days\.$/,
    );
    expect(pki.warnings[0]?.pointer).toBe("/security/leafValidityDays");
  });

  it("warns about nothing with the defaults", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    expect((await issueFor(spec, plan)).warnings).toEqual([]);
  });
});

describe("the state file", () => {
  it("names each bad field", () => {
    expect(() =>
      readPkiState({
        kind: "PkiState",
        apiVersion: "kubescratch.dev/v1alpha1",
        certificates: { ca: { certificate: 3 } },
        tokens: [],
      }),
    ).toThrow(SpecError);
    const caught = (() => {
      try {
        readPkiState({
          kind: "Nope",
          apiVersion: "kubescratch.dev/v1alpha1",
          certificates: { "apiserver/a": {} },
          tokens: { a: 1 },
        });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(caught).toBeInstanceOf(SpecError);
    expect((caught as SpecError).issues.map((issue) => issue.pointer)).toEqual([
      "/kind",
      "/certificates/apiserver~1a",
      "/tokens",
    ]);
  });

  it("round-trips through JSON", async () => {
    const { spec, plan } = fixtureSpec("seed-https.yaml");
    const pki = await issueFor(spec, plan);
    expect(readPkiState(JSON.parse(JSON.stringify(pki.state)))).toEqual(pki.state);
  });
});

describe("key algorithms", () => {
  it.each(["rsa-3072", "rsa-4096", "ecdsa-p256", "ecdsa-p384"] as const)(
    "%s: keys of that kind, signed with the matching digest",
    async (keyAlgorithm) => {
      // The seed's set for one HTTPS master: CA, apiserver, kubelet serving, admin.
      const { spec } = withChanges("seed-https.yaml", (input) => {
        input.security = { ...input.security, keyAlgorithm, basicAuth: { enabled: false } };
        input.nodes = input.nodes.slice(0, 1);
      });
      const pki = await issueFor(spec, planCluster(spec));
      expect(pki.certificates).toHaveLength(4);
      const ca = x509(byId(pki, "ca"));
      const details = ca.publicKey.asymmetricKeyDetails;
      if (keyAlgorithm.startsWith("rsa-")) expect(details?.modulusLength).toBe(Number(keyAlgorithm.slice(4)));
      else expect(details?.namedCurve).toBe(keyAlgorithm === "ecdsa-p256" ? "prime256v1" : "secp384r1");
      const admin = new X509Certificate(byId(pki, "admin/admin").certificatePem as string);
      expect(admin.verify(ca.publicKey)).toBe(true);
      // One HTTPS master of the seed's era signs service-account tokens with its server.key.
      expect(pki.serviceAccountKey).toBeUndefined();
    },
  );
});

describe("golden PKI output (fixtures/golden/pki, made by this code and reviewed)", () => {
  // Regenerate after a deliberate change with UPDATE_GOLDEN=1 and review the diff with
  // `openssl x509 -text -noout -in FILE`.
  const directory = join(repoRoot, "fixtures/golden/pki/minimal");

  it("minimal.yaml with the fixed clock, seed and pre-made keys gives the same bytes as the last review", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const pki = await issueFor(spec, plan);
    const files: Record<string, string> = {
      "ca.crt": byId(pki, "ca").certificatePem as string,
      "apiserver-master.crt": byId(pki, "apiserver/master").certificatePem as string,
      "kubelet-client-worker-1.crt": byId(pki, "kubelet-client/worker-1").certificatePem as string,
      "etcd-peer-master.crt": byId(pki, "etcd-peer/master").certificatePem as string,
      "worker-1.kubeconfig": pki.kubeconfigs.find(
        (entry) => entry.path === "/var/lib/kubelet/kubeconfig" && entry.holders[0] === "worker-1",
      )?.content as string,
    };
    if (process.env.UPDATE_GOLDEN === "1") {
      mkdirSync(directory, { recursive: true });
      for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content);
    }
    for (const [name, content] of Object.entries(files)) {
      expect(content).toBe(readFileSync(join(directory, name), "utf8"));
    }
  });
});
