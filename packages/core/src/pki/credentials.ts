// Tokens and passwords (S13) and who holds which (S15's credential layouts), for the seed's releases;
// current releases authenticate every component with a client certificate instead.
import { csvField } from "../render/quote.js";
import type { ClusterPlan } from "../plan/plan.js";
import type { ClusterSpec } from "../validation/generated/types.js";
import { base64, fromUint8Array } from "../bytes.js";

/** Cryptographically secure random bytes; the CLI passes Node's randomBytes, tests a seeded source. */
export type RandomSource = (byteCount: number) => Uint8Array;

/**
 * The seed's recipe: `dd if=/dev/urandom bs=128 count=1 | base64 | tr -d "=+/" | dd bs=32 count=1`,
 * i.e. 32 characters of [A-Za-z0-9] (about 190 bits).
 */
export function generateToken(random: RandomSource): string {
  let token = "";
  while (token.length < 32) token += base64(fromUint8Array(random(128))).replace(/[=+/]/g, "");
  return token.slice(0, 32);
}

export interface TokenCredential {
  /** Key in the state: "admin/<name>", "kubelet" or "kube-proxy". */
  readonly id: string;
  readonly user: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly token: string;
}

export interface PasswordCredential {
  readonly id: string;
  readonly user: string;
  readonly uid: string;
  readonly password: string;
}

/** A credential to be filled in from the state or the random source. */
export interface CredentialRequest {
  readonly id: string;
  readonly user: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

/** The tokens the apiserver's known_tokens.csv lists: seed releases in HTTPS mode only. */
export function tokenRequests(plan: ClusterPlan, spec: ClusterSpec): CredentialRequest[] {
  if (plan.profile.era !== "legacy" || plan.security.mode !== "https") return [];
  const requests: CredentialRequest[] = spec.security.admins.map((admin) => ({
    id: `admin/${admin.name}`,
    user: admin.name,
    uid: admin.name,
    groups: plan.profile.tokenFileGroups ? [...admin.groups] : [],
  }));
  if (plan.security.credentialLayout === "per-role") {
    requests.push({ id: "kubelet", user: "kubelet", uid: "kubelet", groups: [] });
    requests.push({ id: "kube-proxy", user: "kube-proxy", uid: "kube-proxy", groups: [] });
  }
  return requests;
}

export function passwordRequests(plan: ClusterPlan, spec: ClusterSpec): CredentialRequest[] {
  if (plan.profile.era !== "legacy" || plan.security.mode !== "https" || !spec.security.basicAuth.enabled) {
    return [];
  }
  return spec.security.basicAuth.users.map((user) => ({ id: `basic/${user}`, user, uid: user, groups: [] }));
}

/** The token a kubelet or kube-proxy uses under the layout (S15); undefined when it uses a certificate. */
export function componentTokenId(
  component: "kubelet" | "kube-proxy",
  plan: ClusterPlan,
  spec: ClusterSpec,
): string | undefined {
  if (plan.profile.era !== "legacy" || plan.security.mode !== "https") return undefined;
  if (plan.security.credentialLayout === "per-role") return component;
  const firstAdmin = spec.security.admins[0];
  return firstAdmin ? `admin/${firstAdmin.name}` : undefined;
}

/** known_tokens.csv: `token,user,uid,"group1,group2"` (the groups column only when there are groups). */
export function knownTokensCsv(tokens: readonly TokenCredential[]): string {
  return tokens
    .map((entry) => {
      const fields = [entry.token, entry.user, entry.uid];
      if (entry.groups.length > 0) fields.push(`"${entry.groups.join(",")}"`);
      return fields.map((field, index) => (index === 3 ? field : csvField(field))).join(",") + "\n";
    })
    .join("");
}

/** basic_auth.csv: `password,user,uid`. */
export function basicAuthCsv(passwords: readonly PasswordCredential[]): string {
  return passwords
    .map((entry) => [entry.password, entry.user, entry.uid].map(csvField).join(",") + "\n")
    .join("");
}
