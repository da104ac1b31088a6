// Offline validation of Kubernetes objects with kubernetes-models@4.5.1 (verification.md §6), made
// strict about unknown fields.
//
// The package's validators are precompiled ajv code that allows additional properties, and it ships
// no JSON or OpenAPI schema objects to recompile with `additionalProperties: false`. What it does
// ship, generated from the same OpenAPI definitions, are .d.ts declarations: one interface per
// definition (IPodSpec for io.k8s.api.core.v1.PodSpec), `$ref`s as imported interfaces,
// `additionalProperties` maps (labels, annotations) as string index signatures, int-or-string as
// `string | number`. The unknown-field walk reads those declarations through the TypeScript checker.
//
// kubernetes-models has no KubeletConfiguration or KubeProxyConfiguration (they are component
// configs, not API objects), so those two kinds get a hand-written allow-list instead, below.
import { closest, distance } from "fastest-levenshtein";
import { ClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import { ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import { Role } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { StatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { Node } from "kubernetes-models/v1/Node";
import { Pod } from "kubernetes-models/v1/Pod";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { join } from "node:path";
import ts from "typescript";
import { repoRoot } from "../helpers.js";

// Each model's constructor takes its own data type; `never` lets one table hold them all, and the
// object is checked at run time anyway.
type ModelClass = (new (data?: never) => { validate(): void }) & { apiVersion: string; kind: string };

const models: readonly ModelClass[] = [
  Pod,
  Service,
  ConfigMap,
  Secret,
  ServiceAccount,
  Node,
  Namespace,
  Deployment,
  DaemonSet,
  StatefulSet,
  ClusterRole,
  ClusterRoleBinding,
  Role,
  RoleBinding,
  PodDisruptionBudget,
];

export const supportedKinds: readonly string[] = models.map((model) => `${model.apiVersion} ${model.kind}`);

/**
 * Problems with a Kubernetes API object (empty when valid): kubernetes-models' own checks (types,
 * enums, required fields), then every field the OpenAPI definitions do not declare, with its path
 * ("data/spec/containers/0/imagee ...").
 */
export function validateKubernetesObject(object: unknown): string[] {
  if (!isRecord(object)) return ["data must be an object"];
  const { apiVersion, kind } = object;
  const model = models.find((candidate) => candidate.apiVersion === apiVersion && candidate.kind === kind);
  if (!model) {
    return [
      `data has apiVersion ${JSON.stringify(apiVersion)} and kind ${JSON.stringify(kind)}, ` +
        `which this harness does not know (it knows ${supportedKinds.join(", ")})`,
    ];
  }
  return [...modelProblems(model, object), ...unknownFields(object, declaredType(model))];
}

function modelProblems(model: ModelClass, object: Record<string, unknown>): string[] {
  try {
    new model(object as never).validate();
    return [];
  } catch (error) {
    // ajv's ValidationError carries every error; its message joins them with ", ", which is ambiguous.
    const errors: unknown = isRecord(error) ? error.errors : undefined;
    if (Array.isArray(errors) && errors.every(isRecord)) {
      return errors.map((item) => {
        // ajv-i18n's enum message does not say which values are allowed; ajv's params do.
        const allowed = isRecord(item.params) ? item.params.allowedValues : undefined;
        const values = Array.isArray(allowed)
          ? ` (${allowed.map((each) => JSON.stringify(each)).join(", ")})`
          : "";
        return `data${String(item.instancePath)} ${String(item.message)}${values}`;
      });
    }
    return [error instanceof Error ? error.message : String(error)];
  }
}

// One program for all kinds: building it type-checks ~300 declaration files (about 0.8 s), so it is
// built on first use and kept.
let declarations: { checker: ts.TypeChecker; files: Map<ModelClass, ts.SourceFile> } | undefined;

function declaredType(model: ModelClass): { type: ts.Type; checker: ts.TypeChecker } {
  if (!declarations) {
    const packageRoot = join(repoRoot, "node_modules", "kubernetes-models");
    const paths = new Map(
      models.map((each) => [each, join(packageRoot, each.apiVersion, `${each.kind}.d.ts`)]),
    );
    const program = ts.createProgram([...paths.values()], {
      noEmit: true,
      types: [],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
    });
    const files = new Map<ModelClass, ts.SourceFile>();
    for (const [each, path] of paths) {
      const file = program.getSourceFile(path);
      if (!file) throw new Error(`kubernetes-models has no declaration file ${path}`);
      files.set(each, file);
    }
    declarations = { checker: program.getTypeChecker(), files };
  }
  const { checker, files } = declarations;
  const file = files.get(model);
  const moduleSymbol = file && checker.getSymbolAtLocation(file);
  const interfaceSymbol =
    moduleSymbol &&
    checker.getExportsOfModule(moduleSymbol).find((symbol) => symbol.name === `I${model.kind}`);
  if (!interfaceSymbol) throw new Error(`kubernetes-models declares no interface I${model.kind}`);
  return { type: checker.getDeclaredTypeOfSymbol(interfaceSymbol), checker };
}

function unknownFields(
  object: unknown,
  { type, checker }: { type: ts.Type; checker: ts.TypeChecker },
): string[] {
  const problems: string[] = [];
  const walk = (value: unknown, declared: ts.Type, path: string): void => {
    if (value === null || typeof value !== "object") return;
    const alternatives = (declared.isUnion() ? declared.types : [declared]).filter(
      (each) => !(each.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)),
    );
    // x-kubernetes-preserve-unknown-fields and free-form JSON come out as `any`: anything goes there.
    if (alternatives.some((each) => each.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown))) return;
    if (Array.isArray(value)) {
      const arrayType = alternatives.find((each) => checker.isArrayType(each));
      const elementType = arrayType && checker.getTypeArguments(arrayType as ts.TypeReference)[0];
      // A shape mismatch (array where an object belongs) is a type error, which validate() reports.
      if (elementType) value.forEach((item, index) => walk(item, elementType, `${path}/${index}`));
      return;
    }
    const objectTypes = alternatives.filter(
      (each) => each.flags & ts.TypeFlags.Object && !checker.isArrayType(each),
    );
    if (objectTypes.length === 0) return;
    const mapValueType = objectTypes
      .map((each) => checker.getIndexInfoOfType(each, ts.IndexKind.String)?.type)
      .find((each) => each !== undefined);
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      const property = objectTypes
        .map((each) => checker.getPropertyOfType(each, key))
        .find((each) => each !== undefined);
      if (property) walk(child, checker.getTypeOfSymbol(property), childPath);
      else if (mapValueType) walk(child, mapValueType, childPath);
      else problems.push(unknownFieldMessage(childPath, key, objectTypes, checker));
    }
  };
  walk(object, type, "");
  return problems;
}

function unknownFieldMessage(
  path: string,
  key: string,
  objectTypes: ts.Type[],
  checker: ts.TypeChecker,
): string {
  const names = objectTypes.flatMap((each) =>
    checker.getPropertiesOfType(each).map((property) => property.name),
  );
  const definitions = objectTypes.map((each) => definitionName(each, checker)).join(" | ");
  return `data${path} is not a field of ${definitions}${suggestion(key, names)}`;
}

/** "IoK8sApiCoreV1PodSpec" from the declaration file's `export { IPodSpec as IIoK8sApiCoreV1PodSpec }`. */
function definitionName(type: ts.Type, checker: ts.TypeChecker): string {
  const symbol = type.getSymbol();
  const file = symbol?.declarations?.[0]?.getSourceFile();
  const moduleSymbol = file && checker.getSymbolAtLocation(file);
  const alias = moduleSymbol
    ? checker
        .getExportsOfModule(moduleSymbol)
        .find(
          (each) =>
            each.name.startsWith("IIo") &&
            each.flags & ts.SymbolFlags.Alias &&
            checker.getAliasedSymbol(each) === symbol,
        )
    : undefined;
  return alias ? alias.name.slice(1) : checker.typeToString(type);
}

function suggestion(key: string, candidates: string[]): string {
  if (candidates.length === 0) return "";
  const nearest = closest(key, candidates);
  return distance(key, nearest) <= Math.max(2, Math.floor(key.length / 3))
    ? ` (did you mean ${nearest}?)`
    : "";
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// KubeletConfiguration and KubeProxyConfiguration: allow-lists.
//
// Sources: the fields in shared/reference/k8s-versions.md ("Minimal correct flag sets") plus fields
// read from kubernetes/kubernetes staging/src/k8s.io/{kubelet/config/v1beta1,kube-proxy/config/
// v1alpha1}/types.go that exist in every release 1.30–1.34. Fields added after 1.30 (failCgroupV1,
// crashLoopBackOff, imagePullCredentialsVerificationPolicy, ...) are left out on purpose: the
// generator targets 1.30–1.34, so emitting one of them is a problem worth hearing about.

type Shape =
  | "string"
  | "boolean"
  | "integer"
  | "number"
  | "duration"
  | "strings"
  | "stringMap"
  | "booleanMap"
  | "any"
  | { oneOf: readonly string[] }
  | { fields: Readonly<Record<string, Shape>>; required?: readonly string[] }
  | { listOf: Shape };

const kubeletConfiguration: Shape = {
  required: ["apiVersion", "kind"],
  fields: {
    apiVersion: { oneOf: ["kubelet.config.k8s.io/v1beta1"] },
    kind: { oneOf: ["KubeletConfiguration"] },
    // From k8s-versions.md (KTHW's kubelet-config.yaml and the deprecated flags' replacements).
    authentication: {
      fields: {
        anonymous: { fields: { enabled: "boolean" } },
        webhook: { fields: { enabled: "boolean", cacheTTL: "duration" } },
        x509: { fields: { clientCAFile: "string" } },
      },
    },
    authorization: {
      fields: {
        mode: { oneOf: ["AlwaysAllow", "Webhook"] },
        webhook: { fields: { cacheAuthorizedTTL: "duration", cacheUnauthorizedTTL: "duration" } },
      },
    },
    cgroupDriver: { oneOf: ["systemd", "cgroupfs"] },
    containerRuntimeEndpoint: "string",
    staticPodPath: "string",
    clusterDNS: "strings",
    clusterDomain: "string",
    registerNode: "boolean",
    tlsCertFile: "string",
    tlsPrivateKeyFile: "string",
    port: "integer",
    resolvConf: "string",
    // Common fields from types.go.
    address: "string",
    readOnlyPort: "integer",
    healthzPort: "integer",
    healthzBindAddress: "string",
    enableServer: "boolean",
    rotateCertificates: "boolean",
    serverTLSBootstrap: "boolean",
    tlsCipherSuites: "strings",
    tlsMinVersion: "string",
    imageServiceEndpoint: "string",
    failSwapOn: "boolean",
    memorySwap: { fields: { swapBehavior: "string" } },
    maxPods: "integer",
    podCIDR: "string",
    podPidsLimit: "integer",
    hairpinMode: { oneOf: ["promiscuous-bridge", "hairpin-veth", "none"] },
    runtimeRequestTimeout: "duration",
    syncFrequency: "duration",
    fileCheckFrequency: "duration",
    nodeStatusUpdateFrequency: "duration",
    nodeStatusReportFrequency: "duration",
    serializeImagePulls: "boolean",
    maxParallelImagePulls: "integer",
    imageGCHighThresholdPercent: "integer",
    imageGCLowThresholdPercent: "integer",
    evictionHard: "stringMap",
    evictionSoft: "stringMap",
    evictionSoftGracePeriod: "stringMap",
    evictionPressureTransitionPeriod: "duration",
    kubeReserved: "stringMap",
    systemReserved: "stringMap",
    kubeReservedCgroup: "string",
    systemReservedCgroup: "string",
    enforceNodeAllocatable: "strings",
    cgroupRoot: "string",
    cgroupsPerQOS: "boolean",
    featureGates: "booleanMap",
    containerLogMaxSize: "string",
    containerLogMaxFiles: "integer",
    protectKernelDefaults: "boolean",
    shutdownGracePeriod: "duration",
    shutdownGracePeriodCriticalPods: "duration",
    seccompDefault: "boolean",
    volumePluginDir: "string",
    providerID: "string",
    kubeAPIQPS: "integer",
    kubeAPIBurst: "integer",
    registerWithTaints: {
      listOf: { fields: { key: "string", value: "string", effect: "string", timeAdded: "string" } },
    },
    logging: "any",
  },
};

const kubeProxyConfiguration: Shape = {
  required: ["apiVersion", "kind"],
  fields: {
    apiVersion: { oneOf: ["kubeproxy.config.k8s.io/v1alpha1"] },
    kind: { oneOf: ["KubeProxyConfiguration"] },
    // From k8s-versions.md (KTHW's kube-proxy-config.yaml).
    clientConnection: {
      fields: {
        kubeconfig: "string",
        acceptContentTypes: "string",
        contentType: "string",
        qps: "number",
        burst: "integer",
      },
    },
    mode: { oneOf: ["", "iptables", "ipvs", "nftables", "kernelspace"] },
    clusterCIDR: "string",
    // Common fields from types.go.
    bindAddress: "string",
    healthzBindAddress: "string",
    metricsBindAddress: "string",
    bindAddressHardFail: "boolean",
    hostnameOverride: "string",
    enableProfiling: "boolean",
    featureGates: "booleanMap",
    nodePortAddresses: "strings",
    oomScoreAdj: "integer",
    configSyncPeriod: "duration",
    detectLocalMode: { oneOf: ["", "ClusterCIDR", "NodeCIDR", "BridgeInterface", "InterfaceNamePrefix"] },
    detectLocal: { fields: { bridgeInterface: "string", interfaceNamePrefix: "string" } },
    iptables: {
      fields: {
        masqueradeAll: "boolean",
        masqueradeBit: "integer",
        localhostNodePorts: "boolean",
        syncPeriod: "duration",
        minSyncPeriod: "duration",
      },
    },
    ipvs: {
      fields: {
        scheduler: "string",
        syncPeriod: "duration",
        minSyncPeriod: "duration",
        excludeCIDRs: "strings",
        strictARP: "boolean",
        tcpTimeout: "duration",
        tcpFinTimeout: "duration",
        udpTimeout: "duration",
      },
    },
    nftables: {
      fields: {
        masqueradeAll: "boolean",
        masqueradeBit: "integer",
        syncPeriod: "duration",
        minSyncPeriod: "duration",
      },
    },
    conntrack: {
      fields: {
        maxPerCore: "integer",
        min: "integer",
        tcpEstablishedTimeout: "duration",
        tcpCloseWaitTimeout: "duration",
        tcpBeLiberal: "boolean",
        udpTimeout: "duration",
        udpStreamTimeout: "duration",
      },
    },
    logging: "any",
  },
};

/** Problems with a kubelet.config.k8s.io/v1beta1 KubeletConfiguration, against this harness's allow-list. */
export function validateKubeletConfiguration(object: unknown): string[] {
  return shapeProblems(object, kubeletConfiguration, "");
}

/** Problems with a kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration, against this harness's allow-list. */
export function validateKubeProxyConfiguration(object: unknown): string[] {
  return shapeProblems(object, kubeProxyConfiguration, "");
}

// Go's time.ParseDuration, which metav1.Duration uses: "90s", "1m30s", "0"; a bare "60" is rejected.
const goDuration = /^[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+)$/;

function shapeProblems(value: unknown, shape: Shape, path: string): string[] {
  const at = `data${path}`;
  if (shape === "any") return [];
  if (shape === "string") return typeof value === "string" ? [] : [`${at} must be string`];
  if (shape === "boolean") return typeof value === "boolean" ? [] : [`${at} must be boolean`];
  if (shape === "number") return typeof value === "number" ? [] : [`${at} must be number`];
  if (shape === "integer") return Number.isInteger(value) ? [] : [`${at} must be integer`];
  if (shape === "duration") {
    return typeof value === "string" && goDuration.test(value)
      ? []
      : [`${at} must be a Go duration string such as "1m30s"`];
  }
  if (shape === "strings") return shapeProblems(value, { listOf: "string" }, path);
  if (shape === "stringMap" || shape === "booleanMap") {
    if (!isRecord(value)) return [`${at} must be object`];
    const valueShape = shape === "stringMap" ? "string" : "boolean";
    return Object.entries(value).flatMap(([key, child]) =>
      shapeProblems(child, valueShape, `${path}/${key}`),
    );
  }
  if ("oneOf" in shape) {
    return typeof value === "string" && shape.oneOf.includes(value)
      ? []
      : [`${at} must be one of ${shape.oneOf.map((each) => JSON.stringify(each)).join(", ")}`];
  }
  if ("listOf" in shape) {
    if (!Array.isArray(value)) return [`${at} must be array`];
    return value.flatMap((item, index) => shapeProblems(item, shape.listOf, `${path}/${index}`));
  }
  if (!isRecord(value)) return [`${at} must be object`];
  const missing = (shape.required ?? [])
    .filter((key) => !(key in value))
    .map((key) => `${at} must have required property ${key}`);
  return missing.concat(
    Object.entries(value).flatMap(([key, child]) => {
      const fieldShape = shape.fields[key];
      if (fieldShape) return shapeProblems(child, fieldShape, `${path}/${key}`);
      return [`data${path}/${key} is not in the allow-list${suggestion(key, Object.keys(shape.fields))}`];
    }),
  );
}
