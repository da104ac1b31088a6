// An artifact: one file of a node's bundle (or the admin bundle), with the facts the install script,
// MANIFEST.json and the review site need.

export type ArtifactKind =
  | "certificate"
  | "private-key"
  | "public-key"
  | "certificate-request"
  | "kubeconfig"
  | "credentials-csv"
  /** A static pod manifest in the kubelet's manifest folder (S24). */
  | "static-pod"
  | "systemd-unit"
  /** A daemon's configuration file: KubeletConfiguration, containerd config.toml, /etc/default/docker, cloud-config. */
  | "config"
  /** Kubernetes objects for the admin to apply (DNS addon, Node objects, RBAC). */
  | "kubernetes-manifest"
  | "script"
  /** Plain lists for people, e.g. the images to mirror. */
  | "text";

export interface Artifact {
  /** Absolute install path on a node; relative inside the admin bundle. */
  readonly path: string;
  /** Unix permission bits: 0o600 for secrets, 0o755 for scripts, 0o644 otherwise. */
  readonly mode: number;
  readonly content: string;
  readonly kind: ArtifactKind;
  /** Private keys, tokens, passwords and kubeconfigs with credentials: redacted on the review site. */
  readonly secret: boolean;
  /** One sentence: why the file exists. */
  readonly why: string;
  /** The from-scratch guide's steps it carries out, by id ("S5" is step 5): data for the site, never shown as text. */
  readonly requirements: readonly string[];
  /**
   * The same bytes on every node of the cluster and large enough to matter (the routed cluster's
   * pod-routes table): bundles compress it once, and the review site shows it once.
   */
  readonly sameOnEveryNode?: boolean;
}

/**
 * A name as one file name: characters other than letters, digits, '.', '_' and '-' become '_' (a
 * ':' would split KUBECONFIG's list of files, '/' would make a folder).
 */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** The admin bundle's kubeconfig of an administrator. */
export function adminKubeconfigPath(admin: string): string {
  return `kubeconfigs/${safeFileName(admin)}.kubeconfig`;
}
