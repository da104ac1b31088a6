// The PKI state: every key, certificate, request, token and password made for a cluster, so the next
// generation can reuse what is still right byte for byte. It is secret (it holds every private key)
// and plain JSON, ordered by id so that it diffs well.
import { SpecError, type SpecIssue } from "../validation/errors.js";

export interface StoredCertificate {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate; absent while a request waits for an external CA's signature. */
  readonly certificate?: string;
  /** PEM PKCS#10 request, for certificates an external CA signs. */
  readonly request?: string;
}

export interface PkiState {
  readonly apiVersion: "kubescratch.dev/v1alpha1";
  readonly kind: "PkiState";
  readonly certificates: Readonly<Record<string, StoredCertificate>>;
  /** PEM private key that signs service-account tokens. */
  readonly serviceAccountKey?: string;
  readonly tokens: Readonly<Record<string, string>>;
  readonly passwords: Readonly<Record<string, string>>;
}

export function emptyPkiState(): PkiState {
  return {
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "PkiState",
    certificates: {},
    tokens: {},
    passwords: {},
  };
}

function sorted<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function normalizeState(state: PkiState): PkiState {
  return {
    apiVersion: state.apiVersion,
    kind: state.kind,
    certificates: sorted(state.certificates),
    ...(state.serviceAccountKey !== undefined ? { serviceAccountKey: state.serviceAccountKey } : {}),
    tokens: sorted(state.tokens),
    passwords: sorted(state.passwords),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Checks data read from a state file and returns it typed. Throws SpecError naming each bad field,
 * so a hand-edited state gets the same kind of message as a bad spec.
 */
export function readPkiState(data: unknown, fileName?: string): PkiState {
  const issues: SpecIssue[] = [];
  const problem = (pointer: string, message: string, fix: string): void => {
    issues.push({ severity: "error", pointer, message, fix });
  };
  const fixState = "Use a state file written by kubescratch, or remove it to issue everything anew.";
  if (!isRecord(data)) {
    throw new SpecError(
      [{ severity: "error", pointer: "", message: "the state is not a JSON object.", fix: fixState }],
      [],
      fileName,
    );
  }
  if (data.kind !== "PkiState")
    problem("/kind", `expected "PkiState", found ${JSON.stringify(data.kind)}.`, fixState);
  if (data.apiVersion !== "kubescratch.dev/v1alpha1") {
    problem(
      "/apiVersion",
      `expected "kubescratch.dev/v1alpha1", found ${JSON.stringify(data.apiVersion)}.`,
      fixState,
    );
  }
  const certificates: Record<string, StoredCertificate> = {};
  if (!isRecord(data.certificates))
    problem("/certificates", "must be an object keyed by certificate id.", fixState);
  else {
    for (const [id, entry] of Object.entries(data.certificates)) {
      const pointer = `/certificates/${id.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (!isRecord(entry) || typeof entry.key !== "string") {
        problem(pointer, 'must be an object with a PEM "key".', fixState);
        continue;
      }
      for (const field of ["certificate", "request"] as const) {
        if (entry[field] !== undefined && typeof entry[field] !== "string") {
          problem(`${pointer}/${field}`, "must be a PEM string.", fixState);
        }
      }
      certificates[id] = {
        key: entry.key,
        ...(typeof entry.certificate === "string" ? { certificate: entry.certificate } : {}),
        ...(typeof entry.request === "string" ? { request: entry.request } : {}),
      };
    }
  }
  if (data.serviceAccountKey !== undefined && typeof data.serviceAccountKey !== "string") {
    problem("/serviceAccountKey", "must be a PEM string.", fixState);
  }
  const strings = (field: "tokens" | "passwords"): Record<string, string> => {
    const value = data[field] ?? {};
    if (!isRecord(value) || Object.values(value).some((entry) => typeof entry !== "string")) {
      problem(`/${field}`, "must be an object of strings keyed by id.", fixState);
      return {};
    }
    return value as Record<string, string>;
  };
  const tokens = strings("tokens");
  const passwords = strings("passwords");
  if (issues.length > 0) throw new SpecError(issues, [], fileName);
  return {
    apiVersion: "kubescratch.dev/v1alpha1",
    kind: "PkiState",
    certificates,
    ...(typeof data.serviceAccountKey === "string" ? { serviceAccountKey: data.serviceAccountKey } : {}),
    tokens,
    passwords,
  };
}
