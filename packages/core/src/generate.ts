// generateCluster: the one entry point a tool author needs. Validates the spec, plans it (keeping
// the previous generation's pod ranges), issues or reuses the PKI, and renders every node's files
// and the admin bundle's. Pure: time, randomness and keys come in through the options.
import type { Artifact } from "./artifact.js";
import { renderCluster } from "./components/index.js";
import { issuePki, type Pki, type PkiOptions } from "./pki/issue.js";
import { readPkiState, type PkiState } from "./pki/state.js";
import { planCluster, type ClusterPlan } from "./plan/plan.js";
import { SpecError, type SpecIssue } from "./validation/errors.js";
import type { ClusterSpec, ClusterSpecInput } from "./validation/generated/types.js";
import { parseSpec, parseSpecText } from "./validation/parse.js";

/** What a generation leaves for the next one: the address decisions and every key and credential. */
export interface ClusterState {
  readonly apiVersion: "kubescratch.dev/v1alpha1";
  readonly kind: "ClusterState";
  /** When the cluster was first generated: the fixed modification time inside every bundle. */
  readonly createdAt: string;
  readonly network: {
    readonly podCIDR: string;
    readonly serviceCIDR: string;
    /** A dual-stack cluster's other family's ranges. */
    readonly secondary?: { readonly podCIDR: string; readonly serviceCIDR: string };
    readonly nodes: readonly {
      readonly name: string;
      readonly podCIDR: string;
      readonly secondaryPodCIDR?: string;
    }[];
  };
  /** Secret: every private key of the cluster. */
  readonly pki: PkiState;
}

export interface GenerateOptions extends Omit<PkiOptions, "previousState"> {
  /** The state a previous generation returned: pod ranges, keys, certificates and tokens are kept. */
  readonly previousState?: ClusterState;
  /**
   * Allow the pod or service range to differ from the previous state's. Off by default: neither
   * can change under running pods and services (S5), so a change means rebuilding the cluster.
   */
  readonly allowRangeChange?: boolean;
}

export interface NodeOutput {
  readonly name: string;
  readonly artifacts: readonly Artifact[];
}

export interface GeneratedCluster {
  readonly spec: ClusterSpec;
  readonly plan: ClusterPlan;
  readonly nodes: readonly NodeOutput[];
  readonly admin: { readonly artifacts: readonly Artifact[] };
  readonly pki: Pki;
  readonly state: ClusterState;
  /** Spec warnings (e.g. fewer than 4 nodes) and PKI warnings (expiry, requests to sign). */
  readonly warnings: readonly SpecIssue[];
}

function rangeChange(pointer: string, field: string, before: string, after: string): SpecIssue {
  return {
    severity: "error",
    pointer,
    message: `${field} changed from ${before} (the previous generation) to ${after}; pods and services of a running cluster keep their addresses, so the range cannot change under them.`,
    fix: `Keep ${field} at ${before}, or, if the cluster is rebuilt from scratch, allow the change explicitly (kubescratch generate --allow-range-change).`,
  };
}

/** Reads a ClusterState from parsed JSON; SpecError naming the bad field otherwise. */
export function readClusterState(data: unknown, fileName?: string): ClusterState {
  const record = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  const network = record.network as ClusterState["network"] | undefined;
  const fix = "Use a state file written by kubescratch generate.";
  const issues: SpecIssue[] = [];
  if (record.kind !== "ClusterState") {
    issues.push({
      severity: "error",
      pointer: "/kind",
      message: `expected "ClusterState", found ${JSON.stringify(record.kind)}.`,
      fix,
    });
  }
  const validNetwork =
    typeof network?.podCIDR === "string" &&
    typeof network.serviceCIDR === "string" &&
    Array.isArray(network.nodes) &&
    network.nodes.every(
      (node) =>
        typeof node?.name === "string" &&
        typeof node.podCIDR === "string" &&
        (node.secondaryPodCIDR === undefined || typeof node.secondaryPodCIDR === "string"),
    ) &&
    (network.secondary === undefined ||
      (typeof network.secondary?.podCIDR === "string" && typeof network.secondary.serviceCIDR === "string"));
  if (typeof record.createdAt !== "string" || Number.isNaN(Date.parse(record.createdAt))) {
    issues.push({ severity: "error", pointer: "/createdAt", message: "must be an ISO date and time.", fix });
  }
  if (!validNetwork) {
    issues.push({
      severity: "error",
      pointer: "/network",
      message: "must hold podCIDR, serviceCIDR and nodes [{name, podCIDR}].",
      fix,
    });
  }
  if (issues.length > 0) throw new SpecError(issues, [], fileName);
  let pki: PkiState;
  try {
    pki = readPkiState(record.pki, fileName);
  } catch (caught) {
    if (caught instanceof SpecError) {
      throw new SpecError(
        caught.issues.map((issue) => ({ ...issue, pointer: `/pki${issue.pointer}` })),
        [],
        fileName,
      );
    }
    throw caught;
  }
  return {
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "ClusterState",
    createdAt: record.createdAt as string,
    network: network as ClusterState["network"],
    pki,
  };
}

/**
 * Generates every file of a cluster. `spec` is spec data (as `parseSpec` takes it) or YAML/JSON text.
 * Throws SpecError for an invalid spec, an unusable CA, or a range change against the previous state.
 */
export async function generateCluster(
  spec: ClusterSpecInput | string,
  options: GenerateOptions,
): Promise<GeneratedCluster> {
  const missing = (["now", "random", "keys"] as const).filter(
    (name) => (options as Partial<GenerateOptions> | undefined)?.[name] === undefined,
  );
  if (missing.length > 0)
    throw new TypeError(
      `generateCluster(spec, options) needs options.${missing.join(", options.")}: this entry is pure and brings no clock, randomness or key generation. From Node.js, import generateCluster from "@kubescratch/core/node", which fills them in.`,
    );
  const validated = typeof spec === "string" ? parseSpecText(spec) : parseSpec(spec);
  // A state from memory is checked as the CLI checks a state file: a corrupt one must not quietly
  // become a new CA.
  const previous =
    options.previousState === undefined
      ? undefined
      : readClusterState(options.previousState, "previousState");
  const plan = planCluster(validated.spec, previous ? { previous: previous.network } : {});
  if (previous && !options.allowRangeChange) {
    const issues: SpecIssue[] = [];
    if (previous.network.serviceCIDR !== plan.network.serviceCIDR) {
      issues.push(
        rangeChange(
          "/network/serviceCIDR",
          "network.serviceCIDR",
          previous.network.serviceCIDR,
          plan.network.serviceCIDR,
        ),
      );
    }
    if (previous.network.podCIDR !== plan.network.podCIDR) {
      issues.push(
        rangeChange("/network/podCIDR", "network.podCIDR", previous.network.podCIDR, plan.network.podCIDR),
      );
    }
    // Adding the other family (or dropping it) converts the cluster; changing it moves running pods.
    const before = previous.network.secondary;
    const after = plan.network.secondary;
    if (before !== undefined && after !== undefined) {
      if (before.serviceCIDR !== after.serviceCIDR)
        issues.push(
          rangeChange("/network/serviceCIDR/1", "network.serviceCIDR", before.serviceCIDR, after.serviceCIDR),
        );
      if (before.podCIDR !== after.podCIDR)
        issues.push(rangeChange("/network/podCIDR/1", "network.podCIDR", before.podCIDR, after.podCIDR));
    }
    if (issues.length > 0) throw new SpecError(issues);
  }
  const { previousState, allowRangeChange, ...pkiOptions } = options;
  void allowRangeChange;
  const pki = await issuePki(validated.spec, plan, {
    ...pkiOptions,
    ...(previousState ? { previousState: previousState.pki } : {}),
  });
  const rendered = renderCluster(validated.spec, plan, pki);
  return {
    spec: validated.spec,
    plan,
    nodes: plan.nodes.map((node) => ({ name: node.name, artifacts: rendered.nodes.get(node.name) ?? [] })),
    admin: { artifacts: rendered.admin },
    pki,
    state: {
      apiVersion: "kubescratch.dev/v1alpha1",
      kind: "ClusterState",
      createdAt: previous?.createdAt ?? options.now.toISOString(),
      network: {
        podCIDR: plan.network.podCIDR,
        serviceCIDR: plan.network.serviceCIDR,
        ...(plan.network.secondary === undefined
          ? {}
          : {
              secondary: {
                podCIDR: plan.network.secondary.podCIDR,
                serviceCIDR: plan.network.secondary.serviceCIDR,
              },
            }),
        nodes: plan.nodes.map((node) => ({
          name: node.name,
          podCIDR: node.podCIDR,
          ...(node.secondary === undefined ? {} : { secondaryPodCIDR: node.secondary.podCIDR }),
        })),
      },
      pki: pki.state,
    },
    warnings: [...validated.warnings, ...pki.warnings],
  };
}
