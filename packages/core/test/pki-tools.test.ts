// The PKI checked by real TLS implementations: OpenSSL's verifier and s_server, and kubectl's Go TLS
// client (shared/reference/verification.md §2 and §7). Certificates use the real clock here, since
// the tools judge validity against it.
import { spawn, type ChildProcess } from "node:child_process";
import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createConnection, createServer } from "node:net";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  parseSpec,
  planCluster,
  type ClusterSpecInput,
  type IssuedCertificate,
  type Pki,
} from "../src/index.js";
import { dump, load } from "js-yaml";
import { pemDecode, pemEncode } from "../src/pki/der.js";
import { nodeKeyCapability } from "../node/index.js";
import { issueCertificate, parseCertificate } from "../src/pki/x509.js";
import { fixtureFiles } from "./helpers.js";
import { fixtureSpec, issueFor, premadeKeys, run } from "./pki-helpers.js";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "kubescratch-pki-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fileFor(directory: string, certificate: IssuedCertificate): string {
  const path = join(directory, `${certificate.id.replace(/[^A-Za-z0-9._-]/g, "_")}.crt`);
  writeFileSync(path, certificate.certificatePem as string);
  return path;
}

/** Runs `openssl verify` once per (signer, purpose) over all the certificates that share them. */
function verifyAll(pki: Pki, directory: string): string[] {
  mkdirSync(directory, { recursive: true });
  const files = new Map(
    pki.certificates.map((certificate) => [certificate.id, fileFor(directory, certificate)]),
  );
  const groups = new Map<string, string[]>();
  const verified: string[] = [];
  for (const certificate of pki.certificates) {
    const purposes =
      certificate.usage === "server"
        ? ["sslserver"]
        : certificate.usage === "client"
          ? ["sslclient"]
          : certificate.usage === "server-and-client"
            ? ["sslserver", "sslclient"]
            : ["any"];
    for (const purpose of purposes) {
      const signer = certificate.signer === "self" ? certificate.id : certificate.signer;
      const key = `${signer} ${purpose}`;
      groups.set(key, [...(groups.get(key) ?? []), certificate.id]);
    }
  }
  for (const [key, ids] of groups) {
    const [signer, purpose] = key.split(" ") as [string, string];
    const result = run("openssl", [
      "verify",
      "-x509_strict",
      "-CAfile",
      files.get(signer) as string,
      "-purpose",
      purpose,
      ...ids.map((id) => files.get(id) as string),
    ]);
    expect(result.output).not.toMatch(/error|unable/i);
    expect(result.status).toBe(0);
    for (const id of ids) {
      expect(result.stdout).toContain(`${files.get(id)}: OK`);
      verified.push(`${id} ${purpose}`);
    }
  }
  return verified;
}

describe("openssl verify, every fixture (verification.md §7)", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}: every certificate verifies against its CA for its purpose; every key matches`, async () => {
      const { spec, plan } = fixtureSpec(name);
      const pki = await issueFor(spec, plan, { now: new Date() });
      if (spec.security.mode === "firewall-only") {
        expect(pki.certificates).toEqual([]);
        return;
      }
      const verified = verifyAll(pki, join(scratch, name));
      expect(verified.length).toBeGreaterThanOrEqual(pki.certificates.length);
      for (const certificate of pki.certificates) {
        const publicOfKey = createPublicKey(createPrivateKey(certificate.privateKeyPem as string));
        expect(new X509Certificate(certificate.certificatePem as string).publicKey.equals(publicOfKey)).toBe(
          true,
        );
      }
      const apiserver = pki.certificates.find((entry) => entry.profile === "apiserver") as IssuedCertificate;
      const check = run("openssl", [
        "verify",
        "-CAfile",
        join(scratch, name, "ca.crt"),
        "-purpose",
        "sslserver",
        "-verify_ip",
        plan.controlPlane.masterIP,
        join(scratch, name, `${apiserver.id.replace("/", "_")}.crt`),
      ]);
      expect(check.output).toContain(": OK");
    });
  }

  it("the check can fail: a client certificate is not a server certificate", async () => {
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const pki = await issueFor(spec, plan, { now: new Date() });
    const directory = join(scratch, "negative");
    mkdirSync(directory, { recursive: true });
    const admin = fileFor(
      directory,
      pki.certificates.find((entry) => entry.id === "admin/admin") as IssuedCertificate,
    );
    const ca = fileFor(directory, pki.certificates.find((entry) => entry.id === "ca") as IssuedCertificate);
    const result = run("openssl", ["verify", "-CAfile", ca, "-purpose", "sslserver", admin]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/unsuitable certificate purpose/);
  });
});

describe("kubectl config view --minify parses every kubeconfig (verification.md §2)", () => {
  for (const { name } of fixtureFiles("specs")) {
    it(`${name}`, async () => {
      const { spec, plan } = fixtureSpec(name);
      const pki = await issueFor(spec, plan, { now: new Date() });
      const directory = join(scratch, `kubeconfigs-${name}`);
      mkdirSync(directory, { recursive: true });
      const checks = pki.kubeconfigs.map(async (kubeconfig, index) => {
        const file = join(directory, `${index}.kubeconfig`);
        writeFileSync(file, kubeconfig.content);
        const result = await runAsync("kubectl", [
          "config",
          "view",
          "--minify",
          "--raw",
          "--kubeconfig",
          file,
          "-o",
          "jsonpath={.contexts[0].context.user} {.users[0].user.client-certificate-data}{.users[0].user.token}",
        ]);
        expect(result.output).not.toMatch(/error|cannot/i);
        expect(result.status).toBe(0);
        const [user, credential] = result.stdout.split(" ");
        expect(user).toBe(kubeconfig.user);
        // The data fields are put in after js-yaml's dump: the text is still exactly what js-yaml
        // writes for the same content, and kubectl reads back the certificate that was issued.
        expect(kubeconfig.content).toBe(
          dump(load(kubeconfig.content), { lineWidth: -1, noRefs: true, noArrayIndent: true }),
        );
        if (spec.security.mode === "https") expect(credential?.length ?? 0).toBeGreaterThan(20);
      });
      await Promise.all(checks);
      expect(pki.kubeconfigs.length).toBeGreaterThan(0);
    });
  }

  it("the check can fail: a dangling current-context", async () => {
    const file = join(scratch, "broken.kubeconfig");
    const { spec, plan } = fixtureSpec("minimal.yaml");
    const pki = await issueFor(spec, plan, { now: new Date() });
    writeFileSync(
      file,
      (pki.kubeconfigs[0]?.content ?? "").replace(/current-context: .*/, "current-context: nope"),
    );
    const result = await runAsync("kubectl", ["config", "view", "--minify", "--kubeconfig", file]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/cannot locate context nope/);
  });
});

function runAsync(
  command: string,
  args: readonly string[],
): Promise<{ status: number | null; stdout: string; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 15_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stdout, output: stdout + stderr }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port}`);
}

describe("kubectl (Go TLS) against openssl s_server with the generated apiserver certificate", () => {
  const servers: ChildProcess[] = [];
  afterAll(() => {
    for (const server of servers) server.kill("SIGKILL");
  });

  /** Serves GET /healthz over TLS with `certificate`, requiring a client certificate from the CA. */
  async function serve(
    directory: string,
    certificatePem: string,
    keyPem: string,
    caPem: string,
  ): Promise<number> {
    mkdirSync(join(directory, "www"), { recursive: true });
    writeFileSync(join(directory, "www", "healthz"), "ok");
    writeFileSync(join(directory, "server.crt"), certificatePem);
    writeFileSync(join(directory, "server.key"), keyPem, { mode: 0o600 });
    writeFileSync(join(directory, "ca.crt"), caPem);
    const port = await freePort();
    const server = spawn(
      "openssl",
      [
        "s_server",
        "-accept",
        `127.0.0.1:${port}`,
        "-cert",
        "../server.crt",
        "-key",
        "../server.key",
        "-CAfile",
        "../ca.crt",
        "-Verify",
        "1",
        "-verify_return_error",
        "-WWW",
        "-quiet",
      ],
      { cwd: join(directory, "www"), stdio: "ignore" },
    );
    servers.push(server);
    await waitForPort(port, server);
    return port;
  }

  async function kubectlGet(directory: string, kubeconfig: string, port: number) {
    const file = join(directory, "admin.kubeconfig");
    writeFileSync(file, kubeconfig);
    return runAsync("kubectl", [
      "--kubeconfig",
      file,
      "--server",
      `https://127.0.0.1:${port}`,
      "get",
      "--raw",
      "/healthz",
    ]);
  }

  function pemOf(pki: Pki, id: string): IssuedCertificate {
    return pki.certificates.find((entry) => entry.id === id) as IssuedCertificate;
  }

  /** Serves with the first apiserver certificate and asks with the admin kubeconfig of `client`. */
  async function handshake(name: string, pki: Pki, client: Pki = pki) {
    const directory = join(scratch, name);
    const apiserver = pki.certificates.find((entry) => entry.profile === "apiserver") as IssuedCertificate;
    const port = await serve(
      directory,
      apiserver.certificatePem as string,
      apiserver.privateKeyPem as string,
      pemOf(pki, "ca").certificatePem as string,
    );
    let admin = client.kubeconfigs.find((entry) => entry.name === "admin")?.content as string;
    if (client !== pki) {
      // Another cluster's admin that still trusts this cluster's CA for the server.
      const caData = Buffer.from(pemOf(pki, "ca").certificatePem as string).toString("base64");
      admin = admin.replace(/certificate-authority-data: \S+/, `certificate-authority-data: ${caData}`);
    }
    return kubectlGet(directory, admin, port);
  }

  it.each([
    ["current-ha.yaml", "ecdsa-p256, client certificate"],
    ["minimal.yaml", "rsa-2048, client certificate"],
    ["seed-https.yaml", "the seed's HTTPS form: rsa-2048, client certificate and token"],
  ])("%s (%s): the admin kubeconfig completes a mutual TLS handshake", async (name) => {
    const { spec } = fixtureSpec(name);
    const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
    input.security = { ...input.security, apiserverExtraSANs: ["127.0.0.1"] };
    const loopback = parseSpec(input).spec;
    const pki = await issueFor(loopback, planCluster(loopback), { now: new Date() });
    const result = await handshake(`tls-ok-${name}`, pki);
    expect(result.output).toBe("ok");
    expect(result.status).toBe(0);
  });

  it("kubectl presents the admin's identity (CN as user, O as groups) and token to an mTLS server", async () => {
    const { spec } = fixtureSpec("seed-https.yaml");
    const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
    input.security = { ...input.security, apiserverExtraSANs: ["127.0.0.1"] };
    const loopback = parseSpec(input).spec;
    const pki = await issueFor(loopback, planCluster(loopback), { now: new Date() });
    const apiserver = pki.certificates.find((entry) => entry.profile === "apiserver") as IssuedCertificate;
    const server = createHttpsServer(
      {
        cert: apiserver.certificatePem,
        key: apiserver.privateKeyPem,
        ca: pemOf(pki, "ca").certificatePem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (request, response) => {
        const peer = (request.socket as TLSSocket).getPeerCertificate();
        response.end(
          JSON.stringify({
            user: peer.subject.CN,
            groups: peer.subject.O,
            authorization: request.headers.authorization,
          }),
        );
      },
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const directory = join(scratch, "whoami");
      mkdirSync(directory, { recursive: true });
      const result = await kubectlGet(
        directory,
        pki.kubeconfigs.find((entry) => entry.name === "admin")?.content as string,
        port,
      );
      expect(result.status).toBe(0);
      const token = pki.tokens.find((entry) => entry.id === "admin/admin")?.token;
      expect(JSON.parse(result.stdout)).toEqual({
        user: "admin",
        groups: "system:masters",
        authorization: `Bearer ${token}`,
      });
    } finally {
      server.close();
    }
  });

  it("fails when 127.0.0.1 is not among the apiserver's names", async () => {
    const { spec } = fixtureSpec("current-ha.yaml");
    const input = JSON.parse(JSON.stringify(spec)) as ClusterSpecInput;
    input.security = { ...input.security, apiserverExtraSANs: ["api.prod.example.com"] };
    const withoutLoopback = parseSpec(input).spec;
    const pki = await issueFor(withoutLoopback, planCluster(withoutLoopback), { now: new Date() });
    const result = await handshake("tls-no-san", pki);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/certificate is valid for .*not 127\.0\.0\.1/);
  });

  it("fails when the server certificate lacks the serverAuth extended key usage", async () => {
    const { spec, plan } = fixtureSpec("current-ha.yaml");
    const pki = await issueFor(spec, plan, { now: new Date() });
    const good = pemOf(pki, "apiserver/cp-1");
    const ca = pemOf(pki, "ca");
    const der = (pem: string) => pemDecode(pem)[0]?.der as string;
    const parsedGood = parseCertificate(der(good.certificatePem as string));
    const parsedCa = parseCertificate(der(ca.certificatePem as string));
    const clientOnly = await issueCertificate(
      {
        serial: "\x01\x02\x03",
        subject: parsedGood.subject,
        notBefore: parsedGood.notBefore,
        notAfter: parsedGood.notAfter,
        publicKeyInfo: parsedGood.publicKeyInfo,
        isCA: false,
        keyUsage: ["digitalSignature"],
        extendedKeyUsage: ["clientAuth"],
        subjectNames: parsedGood.subjectNames,
      },
      {
        subjectName: parsedCa.subjectName,
        keyIdentifier: parsedCa.subjectKeyIdentifier as string,
        privateKeyPem: ca.privateKeyPem as string,
        keyAlgorithm: ca.keyAlgorithm,
      },
      premadeKeys(),
    );
    const clientOnlyPem = pemEncode("CERTIFICATE", clientOnly);
    const directory = join(scratch, "tls-no-eku");
    const port = await serve(
      directory,
      clientOnlyPem,
      good.privateKeyPem as string,
      ca.certificatePem as string,
    );
    const result = await kubectlGet(
      directory,
      pki.kubeconfigs.find((entry) => entry.name === "admin")?.content as string,
      port,
    );
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/incompatible key usage/);
  });

  it("s_server refuses a client certificate from another CA", async () => {
    const { spec, plan } = fixtureSpec("current-ha.yaml");
    const pki = await issueFor(spec, plan, { now: new Date() });
    const other = await issueFor(spec, plan, { now: new Date(), keys: nodeKeyCapability() });
    const result = await handshake("tls-other-ca", pki, other);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/unknown certificate authority|bad certificate|certificate required/);
  });
});
