// The Kubernetes releases kubescratch generates for, and which spec options each of them can honour.
// Everything that depends on the Kubernetes version is decided by asking this module; nothing else
// compares version strings. Facts come from ../../../../shared/reference/k8s-versions.md (sources per row).

export type Era = "legacy" | "current";

export interface ReleaseLine {
  /** "1.34" */
  readonly minor: string;
  readonly era: Era;
  /** The patch release used when the spec names only the minor version. */
  readonly patch: string;
  /** Where the patch number comes from. */
  readonly source: string;
}

/** Supported release lines: the seed's era and the current releases. */
export const RELEASE_LINES: readonly ReleaseLine[] = [
  {
    minor: "1.1",
    era: "legacy",
    patch: "1.1.8",
    source: "last 1.1 release (kubernetes/kubernetes CHANGELOG)",
  },
  {
    minor: "1.2",
    era: "legacy",
    patch: "1.2.7",
    source: "last 1.2 release (kubernetes/kubernetes CHANGELOG)",
  },
  {
    minor: "1.30",
    era: "current",
    patch: "1.30.14",
    source: "kubernetes.io/releases/1.30 (final, EOL 2025-07-15)",
  },
  {
    minor: "1.31",
    era: "current",
    patch: "1.31.14",
    source: "not verified here; pin an exact patch to be sure",
  },
  {
    minor: "1.32",
    era: "current",
    patch: "1.32.13",
    source: "not verified here; pin an exact patch to be sure",
  },
  { minor: "1.33", era: "current", patch: "1.33.10", source: "kubernetes.io/releases/1.33 (2026-03-19)" },
  { minor: "1.34", era: "current", patch: "1.34.8", source: "kubernetes.io/releases/1.34 (2026-05-12)" },
  { minor: "1.35", era: "current", patch: "1.35.9", source: "kubernetes.io/releases/1.35 (2026-09-15)" },
  { minor: "1.36", era: "current", patch: "1.36.4", source: "kubernetes.io/releases/1.36 (2026-08-11)" },
];

export const DEFAULT_KUBERNETES_VERSION = "1.34";

export interface KubernetesVersion {
  /** Exact release, e.g. "1.34.8": tags the images and names the binaries. */
  readonly full: string;
  /** "1.34" */
  readonly minor: string;
  /** The minor number, e.g. 34; used only by this module's windows. */
  readonly minorNumber: number;
  readonly era: Era;
}

/** Human list of the supported lines, for error messages. */
export function supportedVersionsText(): string {
  const legacy = RELEASE_LINES.filter((line) => line.era === "legacy").map((line) => line.minor);
  const current = RELEASE_LINES.filter((line) => line.era === "current").map((line) => line.minor);
  return `a release of the from-scratch guide (Kubernetes ${legacy.join(", ")}) or a current release (${current[0] ?? ""}-${current[current.length - 1] ?? ""})`;
}

/** Resolves "1.34", "v1.34" or "1.34.2"; undefined when the release line is not supported. */
export function resolveKubernetesVersion(text: string): KubernetesVersion | undefined {
  const match = /^v?(1)\.([0-9]+)(?:\.([0-9]+))?$/.exec(text);
  if (!match) return undefined;
  const minorNumber = Number(match[2]);
  const line = RELEASE_LINES.find((candidate) => candidate.minor === `1.${minorNumber}`);
  if (!line) return undefined;
  const full = match[3] === undefined ? line.patch : `1.${minorNumber}.${Number(match[3])}`;
  return { full, minor: line.minor, minorNumber, era: line.era };
}

/**
 * A spec option that only some Kubernetes versions can honour. `since` is the first minor version
 * (1.x) that supports it, `until` the first that no longer does.
 */
export interface OptionWindow<Spec> {
  /** JSON pointer of the field that selects the option. */
  readonly pointer: string;
  /** How the option reads in messages, e.g. 'runtime.type "docker"'. */
  readonly option: string;
  readonly selected: (spec: Spec) => boolean;
  readonly since?: number;
  readonly until?: number;
  /** Why the window is where it is (names the release and the change). */
  readonly reason: string;
  /** What to use instead. */
  readonly alternative: string;
}

/** True when the option is available in `version`. */
export function insideWindow(
  window: { since?: number; until?: number },
  version: KubernetesVersion,
): boolean {
  if (window.since !== undefined && version.minorNumber < window.since) return false;
  if (window.until !== undefined && version.minorNumber >= window.until) return false;
  return true;
}
