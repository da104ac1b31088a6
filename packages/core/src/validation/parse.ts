// Text or data in, a validated ClusterSpec with every default applied out — or one SpecError that
// lists every problem with its JSON pointer, source position, and fix.
import { addressAt, canonicalIp, familyValues, formatIp, parseCidr, primaryValue } from "../net/ip.js";
import { resolveKubernetesVersion, type KubernetesVersion } from "../versions/kubernetes.js";
import { defaultEndpointPort, type SpecWithStaticDefaults } from "./compatibility.js";
import { SpecError, type SpecIssue } from "./errors.js";
import type { ClusterSpec } from "./generated/types.js";
import { yamlLocator, type Locator } from "./locate.js";
import { documentBoundsIssue, readSpecText, withoutByteOrderMark } from "./read-text.js";
import { validateAgainstSchema } from "./schema-validate.js";
import { semanticIssues } from "./semantic.js";

export interface ValidatedSpec {
  readonly spec: ClusterSpec;
  /** Problems worth knowing that do not stop generation (e.g. fewer than 4 nodes). */
  readonly warnings: readonly SpecIssue[];
}

export interface ParseOptions {
  /** "yaml" (default; JSON is valid YAML) or "json" for strict JSON. */
  readonly format?: "yaml" | "json";
  /** Shown in error messages; the core never opens it. */
  readonly fileName?: string;
}

/** Parses and validates a spec given as YAML or JSON text. Throws SpecError. */
export function parseSpecText(rawText: string, options: ParseOptions = {}): ValidatedSpec {
  const text = withoutByteOrderMark(rawText);
  const read = readSpecText(text, options.format ?? "yaml");
  const locate = yamlLocator(text);
  if (!read.ok) throw new SpecError(withPositions(read.issues, locate), [], options.fileName);
  return validate(read.document, locate, options.fileName);
}

/**
 * Validates a spec given as data (e.g. built by a tool). The input is not modified. Throws SpecError.
 */
export function parseSpec(document: unknown): ValidatedSpec {
  const bounds = documentBoundsIssue(document);
  if (bounds) throw new SpecError([bounds]);
  return validate(copyJson(document), undefined, undefined);
}

function copyJson(document: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(document) ?? "null") as unknown;
  } catch {
    throw new SpecError([
      {
        severity: "error",
        pointer: "",
        message: "the spec is not plain JSON data (it holds cycles or BigInt values).",
        fix: "Pass an object made of strings, numbers, booleans, arrays and plain objects.",
      },
    ]);
  }
}

/** Adds source positions and orders the issues as they appear in the text. */
/** Adds the YAML (or JSON) line and column of each issue's pointer in `text`, where it exists. */
export function positionIssues(text: string, issues: readonly SpecIssue[]): SpecIssue[] {
  return withPositions(issues, yamlLocator(withoutByteOrderMark(text)));
}

function withPositions(issues: readonly SpecIssue[], locate: Locator | undefined): SpecIssue[] {
  if (!locate) return [...issues];
  const positioned = issues.map((issue) => {
    if (issue.line !== undefined) return issue;
    const at = /^unknown property|^the key /.test(issue.message) ? "key" : "value";
    const position = locate(issue.pointer, at);
    return position ? { ...issue, line: position.line, column: position.column } : issue;
  });
  // Array.prototype.sort is stable, so issues at one position keep the order of the checks.
  return positioned.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

function validate(
  document: unknown,
  locate: Locator | undefined,
  fileName: string | undefined,
): ValidatedSpec {
  if (document === undefined || document === null) {
    throw new SpecError(
      [
        {
          severity: "error",
          pointer: "",
          message: "the spec is empty.",
          fix: "Start from `kubescratch init`, or see fixtures/specs/minimal.yaml.",
        },
      ],
      [],
      fileName,
    );
  }
  const schemaIssues = validateAgainstSchema(document);
  if (schemaIssues.length > 0) throw new SpecError(withPositions(schemaIssues, locate), [], fileName);

  // The schema has passed and filled its static defaults.
  const withDefaults = document as SpecWithStaticDefaults;
  const version = resolveKubernetesVersion(withDefaults.kubernetesVersion);
  const { errors, warnings } = semanticIssues(withDefaults, version);
  const positionedWarnings = withPositions(warnings, locate);
  if (errors.length > 0 || !version)
    throw new SpecError(withPositions(errors, locate), positionedWarnings, fileName);
  return { spec: applyVersionDefaults(withDefaults, version), warnings: positionedWarnings };
}

/** Fills the defaults that depend on the Kubernetes version or on other fields. */
function applyVersionDefaults(spec: SpecWithStaticDefaults, version: KubernetesVersion): ClusterSpec {
  const legacy = version.era === "legacy";
  const runtimeType = spec.runtime.type ?? (legacy ? "docker" : "containerd");
  const firstControlPlane = spec.nodes.find((node) => node.roles.includes("control-plane"));
  const service = parseCidr(primaryValue(spec.network.serviceCIDR));
  if (!firstControlPlane || !service.ok) throw new Error("unreachable: semantic checks passed without these");
  const canonical = (ip: string): string => canonicalIp(ip) ?? ip;
  const apiserverPort = spec.controlPlane.apiserverPort ?? (legacy ? 443 : 6443);
  const endpoint = spec.controlPlane.endpoint;
  return {
    ...spec,
    kubernetesVersion: spec.kubernetesVersion.replace(/^v/, ""),
    security: {
      ...spec.security,
      credentialLayout: spec.security.credentialLayout ?? (legacy ? "per-role" : "per-entity"),
      allowPrivileged: spec.security.allowPrivileged ?? !legacy,
    },
    controlPlane: {
      masterIP: canonical(spec.controlPlane.masterIP ?? primaryValue(firstControlPlane.ip)),
      apiserverPort,
      ...(endpoint === undefined
        ? {}
        : {
            endpoint: {
              ...endpoint,
              host: canonicalIp(endpoint.host) ?? endpoint.host.toLowerCase(),
              port: endpoint.port ?? defaultEndpointPort(endpoint.loadBalancer, apiserverPort),
            },
          }),
    },
    runtime: {
      ...spec.runtime,
      type: runtimeType,
      rootDir: spec.runtime.rootDir ?? RUNTIME_ROOT[runtimeType],
    },
    images: {
      ...spec.images,
      registry: spec.images.registry ?? (legacy ? "gcr.io/google_containers" : "registry.k8s.io"),
    },
    network: {
      ...spec.network,
      nodePodCIDRPrefix: spec.network.nodePodCIDRPrefix ?? defaultNodePodCIDRPrefix(spec),
      dnsServiceIP: canonical(
        spec.network.dnsServiceIP ?? formatIp(addressAt(service.cidr, 10n), service.cidr.family),
      ),
    },
  };
}

/**
 * kube-controller-manager's defaults (--node-cidr-mask-size-ipv4 24, --node-cidr-mask-size-ipv6 64),
 * per family of the pod range; one of each for a dual-stack cluster.
 */
function defaultNodePodCIDRPrefix(spec: SpecWithStaticDefaults): ClusterSpec["network"]["nodePodCIDRPrefix"] {
  const families = familyValues(spec.network.podCIDR).map((text) => {
    const parsed = parseCidr(text);
    if (!parsed.ok) throw new Error("unreachable: semantic checks passed without a pod range");
    return parsed.cidr.family;
  });
  if (families.length === 2) return { ipv4: 24, ipv6: 64 };
  return families[0] === "ipv6" ? 64 : 24;
}

const RUNTIME_ROOT: Readonly<Record<ClusterSpec["runtime"]["type"], string>> = {
  docker: "/var/lib/docker",
  rkt: "/var/lib/rkt",
  containerd: "/var/lib/containerd",
};
