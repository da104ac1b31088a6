// Each node's share of the PKI, and the admin bundle's: least privilege by construction, since a
// file goes only to the holders its table row names (DESIGN.md: a worker never receives the CA key,
// the service-account key, another node's key, an admin credential or the tokens CSV).
import { safeFileName, type Artifact } from "../artifact.js";
import type { ClusterPlan } from "../plan/plan.js";
import { basicAuthCsv, knownTokensCsv } from "./credentials.js";
import type { Pki } from "./issue.js";
import { ADMIN_BUNDLE } from "./profiles.js";

export interface PkiArtifacts {
  /** Node name to its files, for every node of the plan (possibly empty). */
  readonly nodes: ReadonlyMap<string, readonly Artifact[]>;
  readonly admin: readonly Artifact[];
}

const SECRET = 0o600;
const PUBLIC = 0o644;

function pkiDirectory(plan: ClusterPlan): string {
  return plan.profile.era === "legacy" ? "/srv/kubernetes" : "/etc/kubernetes/pki";
}

/** A file name for an id such as "apiserver/cp-1" or "admin/alice@example.com". */

export function pkiArtifacts(pki: Pki, plan: ClusterPlan): PkiArtifacts {
  const nodes = new Map<string, Artifact[]>(plan.nodes.map((node) => [node.name, []]));
  const admin: Artifact[] = [];
  const give = (holders: readonly string[], artifact: Artifact): void => {
    for (const holder of holders) {
      if (holder === ADMIN_BUNDLE) admin.push(artifact);
      else nodes.get(holder)?.push(artifact);
    }
  };
  const controlPlane = plan.controlPlane.nodes;

  for (const certificate of pki.certificates) {
    if (certificate.files && certificate.certificatePem !== undefined) {
      give(certificate.certificateHolders, {
        path: certificate.files.certificate,
        mode: PUBLIC,
        content: certificate.certificatePem,
        kind: "certificate",
        secret: false,
        why: certificate.why,
        requirements: certificate.requirements,
      });
    }
    // A key without its certificate is still installed: the certificate an external CA signs later
    // only has to be added next to it.
    if (certificate.files && certificate.privateKeyPem !== undefined) {
      give(certificate.keyHolders, {
        path: certificate.files.key,
        mode: SECRET,
        content: certificate.privateKeyPem,
        kind: "private-key",
        secret: true,
        why: `Private key of: ${certificate.why}`,
        requirements: certificate.requirements,
      });
    }
    if (certificate.requestPem !== undefined) {
      admin.push({
        path: `csr/${safeFileName(certificate.id)}.csr`,
        mode: PUBLIC,
        content: certificate.requestPem,
        kind: "certificate-request",
        secret: false,
        why: `Request for your CA to sign: ${certificate.why}`,
        requirements: certificate.requirements,
      });
    }
  }
  const ca = pki.certificates.find((certificate) => certificate.id === "ca");
  if (ca?.certificatePem !== undefined) {
    admin.push({
      path: "ca.crt",
      mode: PUBLIC,
      content: ca.certificatePem,
      kind: "certificate",
      secret: false,
      why: "The cluster CA, to verify the apiserver from any machine.",
      requirements: ["S12", "S14"],
    });
  }

  const directory = pkiDirectory(plan);
  if (pki.serviceAccountKey) {
    give(controlPlane, {
      path: `${directory}/sa.key`,
      mode: SECRET,
      content: pki.serviceAccountKey.privateKeyPem,
      kind: "private-key",
      secret: true,
      why: "Signs service-account tokens (controller-manager, and the apiserver's token issuer).",
      requirements: ["S28"],
    });
    give(controlPlane, {
      path: `${directory}/sa.pub`,
      mode: PUBLIC,
      content: pki.serviceAccountKey.publicKeyPem,
      kind: "public-key",
      secret: false,
      why: "Lets the apiserver verify service-account tokens.",
      requirements: ["S26"],
    });
  }
  if (pki.tokens.length > 0) {
    give(controlPlane, {
      path: `${directory}/known_tokens.csv`,
      mode: SECRET,
      content: knownTokensCsv(pki.tokens),
      kind: "credentials-csv",
      secret: true,
      why: "The apiserver's token file (--token-auth-file): one row per token, user, uid and groups.",
      requirements: ["S13"],
    });
  }
  if (pki.passwords.length > 0) {
    give(controlPlane, {
      path: `${directory}/basic_auth.csv`,
      mode: SECRET,
      content: basicAuthCsv(pki.passwords),
      kind: "credentials-csv",
      secret: true,
      why: "The apiserver's basic-auth file (--basic-auth-file): password, user and uid per row.",
      requirements: ["S13"],
    });
  }
  for (const kubeconfig of pki.kubeconfigs) {
    const carriesCredentials = /client-key-data|token:/.test(kubeconfig.content);
    give(kubeconfig.holders, {
      path: kubeconfig.path,
      mode: SECRET,
      content: kubeconfig.content,
      kind: "kubeconfig",
      secret: carriesCredentials,
      why: kubeconfig.why,
      requirements: kubeconfig.requirements,
    });
  }
  const sortByPath = (list: Artifact[]): Artifact[] =>
    list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    nodes: new Map([...nodes].map(([name, list]) => [name, sortByPath(list)])),
    admin: sortByPath(admin),
  };
}
