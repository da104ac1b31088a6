// Bring your own CA (made here by openssl, as an operator's would be) and the external-CA mode, where
// kubescratch writes requests and the operator's CA signs them (anchors.md §7.3).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  parseSpec,
  planCluster,
  SpecError,
  type ClusterSpecInput,
  type Pki,
  type PkiState,
} from "../src/index.js";
import { fixtureSpec, issueFor, run } from "./pki-helpers.js";

const DAY = 86_400_000;
let directory: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "kubescratch-ca-"));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A CA made the way an operator would: openssl req -x509 with CA basic constraints. */
function opensslCa(
  name: string,
  days: number,
  extensions = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
) {
  const key = join(directory, `${name}.key`);
  const cert = join(directory, `${name}.crt`);
  const result = run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-days",
    String(days),
    "-subj",
    `/O=Example Corp/CN=${name}`,
    ...extensions.flatMap((extension) => ["-addext", extension]),
  ]);
  expect(result.status).toBe(0);
  return {
    keyPath: key,
    certPath: cert,
    key: readFileSync(key, "utf8"),
    certificate: readFileSync(cert, "utf8"),
  };
}

function specWithCa(
  ca: NonNullable<ClusterSpecInput["security"]>["ca"],
  leafValidityDays = 365,
  keyAlgorithm: NonNullable<ClusterSpecInput["security"]>["keyAlgorithm"] = "rsa-2048",
) {
  const { spec } = fixtureSpec("minimal.yaml");
  const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
  input.security = { ...input.security, ca, leafValidityDays, keyAlgorithm };
  const parsed = parseSpec(input).spec;
  return { spec: parsed, plan: planCluster(parsed) };
}

async function issueError(promise: Promise<unknown>): Promise<SpecError> {
  try {
    await promise;
  } catch (caught) {
    if (caught instanceof SpecError) return caught;
    throw caught;
  }
  throw new Error("expected a SpecError");
}

function verify(caPath: string, pem: string, purpose: string) {
  const file = join(directory, "leaf.crt");
  writeFileSync(file, pem);
  return run("openssl", ["verify", "-x509_strict", "-CAfile", caPath, "-purpose", purpose, file]);
}

describe("your own CA with its key", () => {
  it("signs every cluster-CA certificate with it and embeds it in kubeconfigs", async () => {
    const ca = opensslCa("corp-root", 3650);
    const { spec, plan } = specWithCa({ certificate: ca.certificate, key: ca.key });
    const pki = await issueFor(spec, plan, { now: new Date() });
    const root = pki.certificates.find((entry) => entry.id === "ca");
    expect(root?.status).toBe("provided");
    expect(root?.certificatePem).toBe(ca.certificate);
    expect(pki.state.certificates.ca).toBeUndefined();
    const apiserver = pki.certificates.find((entry) => entry.id === "apiserver/master");
    expect(verify(ca.certPath, apiserver?.certificatePem as string, "sslserver").stdout).toContain(": OK");
    const kubelet = pki.certificates.find((entry) => entry.id === "kubelet-client/worker-1");
    expect(verify(ca.certPath, kubelet?.certificatePem as string, "sslclient").stdout).toContain(": OK");
    const admin = pki.kubeconfigs.find((entry) => entry.name === "admin")?.content as string;
    expect(admin).toContain(`certificate-authority-data: ${Buffer.from(ca.certificate).toString("base64")}`);
  });

  it("reads certificateFile and keyFile from the contents the caller supplies", async () => {
    const ca = opensslCa("file-root", 3650);
    const { spec, plan } = specWithCa({ certificateFile: "ca.crt", keyFile: "ca.key" });
    const missing = await issueError(issueFor(spec, plan, { now: new Date() }));
    expect(missing.issues[0]?.pointer).toBe("/security/ca/certificateFile");
    expect(missing.issues[0]?.message).toBe('the file "ca.crt" was not supplied.');
    const pki = await issueFor(spec, plan, {
      now: new Date(),
      files: { "ca.crt": ca.certificate, "ca.key": ca.key },
    });
    expect(pki.certificates[0]?.status).toBe("provided");
  });

  it("refuses a certificate that is not a CA", async () => {
    const leaf = opensslCa("not-a-ca", 3650, ["basicConstraints=critical,CA:FALSE"]);
    const { spec, plan } = specWithCa({ certificate: leaf.certificate, key: leaf.key });
    const error = await issueError(issueFor(spec, plan, { now: new Date() }));
    expect(error.issues[0]?.pointer).toBe("/security/ca/certificate");
    expect(error.issues[0]?.message).toBe(
      "CN=not-a-ca is not a certificate authority (its basic constraints lack CA:TRUE).",
    );
  });

  it("refuses a second certificate or text around the block (each would be trusted, or copied, everywhere)", async () => {
    const ca = opensslCa("chain-root", 3650);
    const other = opensslCa("chain-other", 3650);
    const chained = specWithCa({ certificate: `${ca.certificate}${other.certificate}`, key: ca.key });
    const chain = await issueError(issueFor(chained.spec, chained.plan, { now: new Date() }));
    expect(chain.issues[0]?.pointer).toBe("/security/ca/certificate");
    expect(chain.issues[0]?.message).toBe(
      "holds 2 PEM blocks: it is copied into every ca.crt and kubeconfig, where every certificate in it is trusted to sign clients.",
    );
    const noted = specWithCa({ certificate: ca.certificate, key: `${ca.key}Bag Attributes\n` });
    const note = await issueError(issueFor(noted.spec, noted.plan, { now: new Date() }));
    expect(note.issues[0]?.pointer).toBe("/security/ca/key");
    expect(note.issues[0]?.message).toBe('holds text outside its PEM block ("Bag Attributes").');
  });

  it("writes the CA certificate as one canonical PEM block, whatever line breaks it came with", async () => {
    const ca = opensslCa("crlf-root", 3650);
    const { spec, plan } = specWithCa({ certificate: ca.certificate.replace(/\n/g, "\r\n"), key: ca.key });
    const pki = await issueFor(spec, plan, { now: new Date() });
    expect(pki.certificates.find((entry) => entry.id === "ca")?.certificatePem).toBe(ca.certificate);
  });

  it("refuses a key that is not the certificate's", async () => {
    const ca = opensslCa("root-a", 3650);
    const other = opensslCa("root-b", 3650);
    const { spec, plan } = specWithCa({ certificate: ca.certificate, key: other.key });
    const error = await issueError(issueFor(spec, plan, { now: new Date() }));
    expect(error.issues[0]?.pointer).toBe("/security/ca/key");
    expect(error.issues[0]?.message).toBe("does not belong to the CA certificate CN=root-a.");
  });

  it("refuses an expired CA, and one that would expire before today's leaves", async () => {
    const ca = opensslCa("short-root", 100);
    const { spec, plan } = specWithCa({ certificate: ca.certificate, key: ca.key });
    const tooShort = await issueError(issueFor(spec, plan, { now: new Date() }));
    expect(tooShort.issues[0]?.message).toMatch(
      /^CN=short-root expires on \d{4}-\d\d-\d\d, before certificates issued today for 365 days would\.$/,
    );
    expect(tooShort.issues[0]?.fix).toMatch(
      /^Renew the CA, or set security\.leafValidityDays to at most (99|100)\.$/,
    );
    const expired = await issueError(issueFor(spec, plan, { now: new Date(Date.now() + 200 * DAY) }));
    expect(expired.issues[0]?.message).toMatch(/^CN=short-root expired on /);
    const fits = specWithCa({ certificate: ca.certificate, key: ca.key }, 90);
    expect((await issueFor(fits.spec, fits.plan, { now: new Date() })).certificates[0]?.status).toBe(
      "provided",
    );
  });
});

describe("an external CA (certificate without key)", () => {
  let first: Pki;
  let ca: ReturnType<typeof opensslCa>;

  beforeAll(async () => {
    ca = opensslCa("external-root", 3650);
    const { spec, plan } = specWithCa({ certificate: ca.certificate });
    first = await issueFor(spec, plan, { now: new Date() });
  });

  it("writes a signed request for every certificate the cluster CA would sign, and issues the rest", () => {
    for (const entry of first.certificates) {
      if (entry.id === "ca") expect(entry.status).toBe("provided");
      else if (entry.signer === "ca") {
        expect(entry.status).toBe("awaiting-signature");
        expect(entry.requestPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
        expect(entry.certificatePem).toBeUndefined();
      } else expect(entry.status).toBe("issued");
    }
    expect(
      first.warnings.filter((warning) => warning.message.includes("waits for your CA's signature")),
    ).toHaveLength(first.certificates.filter((entry) => entry.status === "awaiting-signature").length);
    // Kubeconfigs that need a client certificate wait for it.
    expect(first.kubeconfigs).toEqual([]);
    const caEntry = first.certificates.find((entry) => entry.id === "ca");
    expect(caEntry?.keyHolders).toEqual([]);
  });

  it("the requests carry their subject and names and verify with openssl", () => {
    const apiserver = first.certificates.find((entry) => entry.id === "apiserver/master");
    const file = join(directory, "apiserver.csr");
    writeFileSync(file, apiserver?.requestPem as string);
    const result = run("openssl", ["req", "-in", file, "-noout", "-verify", "-subject", "-text"]);
    expect(result.output).toMatch(/verify OK|Certificate request self-signature verify OK/);
    expect(result.stdout).toContain("subject=CN = kube-apiserver");
    expect(result.stdout).toContain("DNS:kubernetes.default.svc.cluster.local");
    expect(result.stdout).toContain("TLS Web Server Authentication");
  });

  it("generating again from the state keeps every request byte for byte, even with ECDSA's randomized signatures", async () => {
    const { spec, plan } = specWithCa({ certificate: ca.certificate }, 365, "ecdsa-p256");
    const once = await issueFor(spec, plan, { now: new Date() });
    const again = await issueFor(spec, plan, { now: new Date(), previousState: once.state });
    const requests = (pki: Pki) =>
      Object.fromEntries(pki.certificates.map((entry) => [entry.id, entry.requestPem]));
    expect(Object.values(requests(once)).filter(Boolean).length).toBeGreaterThan(5);
    expect(requests(again)).toEqual(requests(once));
    expect(again.state).toEqual(once.state);
    // A request that must change (here: the apiserver's names) is made anew; the others stay.
    const renamed = specWithCa({ certificate: ca.certificate }, 365, "ecdsa-p256");
    const moved = {
      ...renamed.spec,
      security: { ...renamed.spec.security, apiserverExtraSANs: ["api.example.com"] },
    };
    const changed = await issueFor(moved, planCluster(moved), { now: new Date(), previousState: once.state });
    expect(requests(changed)["apiserver/master"]).not.toBe(requests(once)["apiserver/master"]);
    expect(requests(changed)["kubelet-client/worker-1"]).toBe(requests(once)["kubelet-client/worker-1"]);
  });

  it("once the operator signs the requests, the next generation uses the signed certificates", async () => {
    const certificates: Record<string, PkiState["certificates"][string]> = { ...first.state.certificates };
    for (const entry of first.certificates.filter((item) => item.status === "awaiting-signature")) {
      const name = entry.id.replace(/[^A-Za-z0-9._-]/g, "_");
      writeFileSync(join(directory, `${name}.csr`), entry.requestPem as string);
      const signed = run("openssl", [
        "x509",
        "-req",
        "-in",
        join(directory, `${name}.csr`),
        "-CA",
        ca.certPath,
        "-CAkey",
        ca.keyPath,
        "-CAcreateserial",
        "-days",
        "365",
        "-copy_extensions",
        "copyall",
        "-out",
        join(directory, `${name}.crt`),
      ]);
      expect(signed.status).toBe(0);
      certificates[entry.id] = {
        ...certificates[entry.id],
        key: entry.privateKeyPem as string,
        certificate: readFileSync(join(directory, `${name}.crt`), "utf8"),
      };
    }
    const { spec, plan } = specWithCa({ certificate: ca.certificate });
    const second = await issueFor(spec, plan, {
      now: new Date(),
      previousState: { ...first.state, certificates },
    });
    expect(second.keysGenerated).toBe(0);
    expect(
      second.certificates.filter((entry) => entry.status !== "reused" && entry.status !== "provided"),
    ).toEqual([]);
    expect(second.kubeconfigs.map((entry) => entry.name).sort()).toEqual([
      "admin",
      "controller-manager",
      "kube-proxy",
      "kube-proxy",
      "kube-proxy",
      "kube-proxy",
      "kubelet",
      "kubelet",
      "kubelet",
      "kubelet",
      "scheduler",
    ]);
    expect(second.warnings).toEqual([]);
    const apiserver = second.certificates.find((entry) => entry.id === "apiserver/master");
    expect(verify(ca.certPath, apiserver?.certificatePem as string, "sslserver").stdout).toContain(": OK");
  });
});
