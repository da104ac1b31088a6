// renderKubeconfig writes plain values line by line and hands anything else to js-yaml: either way
// the text must be exactly js-yaml's dump of the kubeconfig, and must read back as the same values.
import { dump, load } from "js-yaml";
import { renderKubeconfig, type KubeconfigContent } from "../src/pki/kubeconfigs.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBgTCCASegAwIBAgIQ\n-----END CERTIFICATE-----\n";
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

function expected(content: KubeconfigContent): string {
  const contextName = `${content.user}@${content.clusterName}`;
  const user: Record<string, string> = {};
  if (content.clientCertificate !== undefined)
    user["client-certificate-data"] = base64(content.clientCertificate);
  if (content.clientKey !== undefined) user["client-key-data"] = base64(content.clientKey);
  if (content.token !== undefined) user.token = content.token;
  return dump(
    {
      apiVersion: "v1",
      clusters: [
        {
          cluster:
            content.certificateAuthority === undefined
              ? { "insecure-skip-tls-verify": true, server: content.server }
              : {
                  "certificate-authority-data": base64(content.certificateAuthority),
                  server: content.server,
                },
          name: content.clusterName,
        },
      ],
      contexts: [{ context: { cluster: content.clusterName, user: content.user }, name: contextName }],
      "current-context": contextName,
      kind: "Config",
      preferences: {},
      users: [{ name: content.user, user }],
    },
    { lineWidth: -1, noRefs: true, noArrayIndent: true },
  );
}

describe("renderKubeconfig", () => {
  const cases: KubeconfigContent[] = [
    // What kubescratch makes: HTTPS with a client certificate, the seed's tokens, firewall-only.
    {
      clusterName: "prod",
      server: "https://192.168.50.11:6443",
      certificateAuthority: PEM,
      user: "system:node:worker-1",
      clientCertificate: PEM,
      clientKey: PEM,
    },
    {
      clusterName: "demo",
      server: "https://[fd00::1]:6443",
      certificateAuthority: PEM,
      user: "kubelet",
      token: "AbCdEf0123456789abcdefABCDEF0123",
    },
    { clusterName: "seed-fw", server: "http://10.0.0.1:8080", user: "kubelet" },
    // Values YAML must quote: the slow path, same text.
    {
      clusterName: "123",
      server: "https://10.0.0.1:6443",
      certificateAuthority: PEM,
      user: "true",
      clientCertificate: PEM,
    },
    { clusterName: "a b", server: "https://10.0.0.1:6443", user: "x: y", token: "0123456789" },
    { clusterName: "no", server: "https://10.0.0.1:6443", user: "admin:", token: "#secret" },
    { clusterName: "c", server: "https://10.0.0.1:6443", user: "naïve" },
  ];
  it.each(cases.map((content) => [content.clusterName, content]))(
    "%s: js-yaml's text, read back unchanged",
    (_, content) => {
      const text = renderKubeconfig(content);
      expect(text).toBe(expected(content));
      const read = load(text) as { users: { name: string }[]; clusters: { name: string }[] };
      expect(read.users[0]?.name).toBe(content.user);
      expect(read.clusters[0]?.name).toBe(content.clusterName);
    },
  );
});
