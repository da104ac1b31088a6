// Redaction: private keys, tokens, passwords and the credential data inside kubeconfigs are replaced
// by a visible marker unless the site is rendered with secrets. The rules are by content, so a key
// that turns up in a file not flagged secret is still caught; a secret file that no rule understands
// is hidden whole rather than shown.

/** A redacted span: what was hidden, for the marker's text. */
export interface Redaction {
  readonly label: string;
}

export interface Redacted {
  /** The text with each hidden span replaced by a placeholder \u0000<index>\u0000. */
  readonly text: string;
  readonly redactions: readonly Redaction[];
}

const PRIVATE_KEY_BLOCK =
  /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----[\s\S]*?-----END \1-----|-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY)-----[\s\S]*$/g;

/** kubeconfig (and other YAML) fields whose value is a credential. */
const CREDENTIAL_FIELD =
  /^(\s*(?:- )?(?:client-key-data|client-key|token|password|secret|key-data)\s*:\s*)(\S.*)$/gm;

// eslint-disable-next-line no-control-regex -- NUL cannot occur in the text, so it delimits placeholders.
export const PLACEHOLDER = /\u0000(\d+)\u0000/g;

/** Hides the secrets of a file's text. `secret` is the artifact's flag; `kind` picks the rules. */
export function redact(text: string, secret: boolean, kind: string | undefined): Redacted {
  const redactions: Redaction[] = [];
  const hide = (label: string): string => {
    redactions.push({ label });
    return `\u0000${redactions.length - 1}\u0000`;
  };
  let result = text.replace(
    PRIVATE_KEY_BLOCK,
    (block, type: string | undefined, open: string | undefined) => {
      const lines = block.split("\n").length;
      return hide(`${(type ?? open ?? "PRIVATE KEY").toLowerCase()}, ${lines} lines`);
    },
  );
  if (!secret) return { text: result, redactions };
  if (kind !== "credentials-csv") {
    result = result.replace(
      CREDENTIAL_FIELD,
      (_line, prefix: string, value: string) =>
        `${prefix}${hide(`${prefix.trim().replace(/^- /, "").replace(/:$/, "")} (${value.length} characters)`)}`,
    );
  } else if (kind === "credentials-csv") {
    // known_tokens.csv and basic_auth.csv: the first column is the token or the password (S13).
    result = result.replace(
      /^([^,\n]+)(,)/gm,
      (_line, value: string, comma: string) => `${hide(`credential (${value.length} characters)`)}${comma}`,
    );
  }
  if (redactions.length === 0 && result.trim() !== "") {
    const lines = result.split("\n").length;
    return {
      text: `\u00000\u0000${result.endsWith("\n") ? "\n" : ""}`,
      redactions: [{ label: `secret file, ${lines} lines` }],
    };
  }
  return { text: result, redactions };
}

/** The redacted text with each placeholder as plain "[REDACTED: …]" text (for diffs and searches). */
export function plainRedacted(redacted: Redacted): string {
  return redacted.text.replace(
    PLACEHOLDER,
    (_match, index: string) => `[REDACTED: ${redacted.redactions[Number(index)]?.label ?? "secret"}]`,
  );
}
