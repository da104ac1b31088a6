// A real three-member etcd cluster (Debian's etcd-server, installed by .ci/run) on 127.0.0.1, with the
// generated etcd CA, per-member server and peer certificates and mutual TLS on both ports; etcdctl
// with the apiserver's etcd client certificate writes and reads a key (verification.md §1).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { IssuedCertificate, Pki } from "../src/index.js";
import { fixtureSpec, issueFor, run } from "./pki-helpers.js";

function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  return Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            resolve(typeof address === "object" && address ? address.port : 0);
          });
        }),
    ),
  ).then(async (ports) => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    return ports;
  });
}

describe("a three-member etcd cluster on the generated etcd PKI", () => {
  let directory: string;
  let pki: Pki;
  const members: ChildProcess[] = [];
  let clientPorts: number[] = [];

  const certificate = (id: string): IssuedCertificate => {
    const found = pki.certificates.find((entry) => entry.id === id);
    if (!found) throw new Error(`no certificate ${id}`);
    return found;
  };
  const writePair = (id: string): { cert: string; key: string } => {
    const entry = certificate(id);
    const base = join(directory, "pki", id.replace(/[^A-Za-z0-9._-]/g, "_"));
    writeFileSync(`${base}.crt`, entry.certificatePem as string);
    writeFileSync(`${base}.key`, entry.privateKeyPem as string, { mode: 0o600 });
    return { cert: `${base}.crt`, key: `${base}.key` };
  };
  const etcdctl = (client: { cert: string; key: string }, ...args: string[]) =>
    run(
      "etcdctl",
      [
        `--endpoints=${clientPorts.map((port) => `https://127.0.0.1:${port}`).join(",")}`,
        `--cacert=${join(directory, "pki", "etcd-ca.crt")}`,
        `--cert=${client.cert}`,
        `--key=${client.key}`,
        "--dial-timeout=2s",
        "--command-timeout=3s",
        ...args,
      ],
      { timeout: 15_000 },
    );

  beforeAll(async () => {
    const version = run("etcd", ["--version"]);
    if (version.status !== 0) {
      throw new Error(
        "etcd is not installed: run `apt-get install -y etcd-server etcd-client` (.ci/run does)",
      );
    }
    directory = mkdtempSync(join(tmpdir(), "kubescratch-etcd-"));
    mkdirSync(join(directory, "pki"));
    const { spec, plan } = fixtureSpec("current-ha.yaml");
    pki = await issueFor(spec, plan, { now: new Date() });
    writeFileSync(join(directory, "pki", "etcd-ca.crt"), certificate("etcd-ca").certificatePem as string);
    const names = plan.etcd.members.map((member) => member.name);
    expect(names).toHaveLength(3);
    const ports = await freePorts(names.length * 3);
    clientPorts = names.map((_, index) => ports[index * 3] as number);
    const peerPort = (index: number) => ports[index * 3 + 1] as number;
    const initialCluster = names
      .map((name, index) => `${name}=https://127.0.0.1:${peerPort(index)}`)
      .join(",");
    names.forEach((name, index) => {
      const server = writePair(`etcd-server/${name}`);
      const peer = writePair(`etcd-peer/${name}`);
      const log = join(directory, `${name}.log`);
      const member = spawn(
        "etcd",
        [
          `--name=${name}`,
          `--data-dir=${join(directory, `data-${name}`)}`,
          `--listen-client-urls=https://127.0.0.1:${clientPorts[index]}`,
          `--advertise-client-urls=https://127.0.0.1:${clientPorts[index]}`,
          `--listen-peer-urls=https://127.0.0.1:${peerPort(index)}`,
          `--initial-advertise-peer-urls=https://127.0.0.1:${peerPort(index)}`,
          `--initial-cluster=${initialCluster}`,
          "--initial-cluster-state=new",
          "--initial-cluster-token=kubescratch-test",
          `--cert-file=${server.cert}`,
          `--key-file=${server.key}`,
          `--trusted-ca-file=${join(directory, "pki", "etcd-ca.crt")}`,
          "--client-cert-auth",
          `--peer-cert-file=${peer.cert}`,
          `--peer-key-file=${peer.key}`,
          `--peer-trusted-ca-file=${join(directory, "pki", "etcd-ca.crt")}`,
          "--peer-client-cert-auth",
          `--listen-metrics-urls=http://127.0.0.1:${ports[index * 3 + 2]}`,
          "--logger=zap",
          `--log-outputs=${log}`,
        ],
        { stdio: "ignore" },
      );
      members.push(member);
    });
    const health = writePair("etcd-healthcheck-client");
    for (let attempt = 0; attempt < 60; attempt += 1) {
      if (etcdctl(health, "endpoint", "health").status === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const logs = names.map((name) =>
      readFileSync(join(directory, `${name}.log`), "utf8")
        .split("\n")
        .slice(-5)
        .join("\n"),
    );
    throw new Error(`the etcd cluster did not become healthy:\n${logs.join("\n")}`);
  }, 60_000);

  afterAll(() => {
    for (const member of members) member.kill("SIGKILL");
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it("forms with three voting members over mutual-TLS peer connections", () => {
    const list = etcdctl(writePair("etcd-healthcheck-client"), "member", "list", "-w", "simple");
    expect(list.status).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    for (const line of lines)
      expect(line).toMatch(
        /, started, cp-[123], https:\/\/127\.0\.0\.1:\d+, https:\/\/127\.0\.0\.1:\d+, false$/,
      );
  });

  it("lets the apiserver's etcd client certificate write and read a key", () => {
    const client = writePair("apiserver-etcd-client");
    const put = etcdctl(client, "put", "/registry/kubescratch/test", "hello");
    expect(put.output.trim()).toBe("OK");
    const get = etcdctl(client, "get", "/registry/kubescratch/test", "--print-value-only");
    expect(get.stdout.trim()).toBe("hello");
  });

  it("refuses a client certificate from the Kubernetes CA: etcd trusts only its own CA", () => {
    const outsider = writePair("apiserver-kubelet-client");
    const result = etcdctl(outsider, "get", "/registry/kubescratch/test");
    expect(result.status).not.toBe(0);
    // etcdctl only says "context deadline exceeded"; the members' logs say why.
    const logs = ["cp-1", "cp-2", "cp-3"]
      .map((name) => readFileSync(join(directory, `${name}.log`), "utf8"))
      .join("");
    expect(logs).toMatch(/certificate signed by unknown authority/);
  });
});
