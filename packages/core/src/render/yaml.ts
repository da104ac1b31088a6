// Every YAML file kubescratch writes goes through toYaml: one place that knows what the readers on a
// node make of a plain scalar. Kubernetes reads YAML as YAML 1.1 (sigs.k8s.io/yaml over go-yaml
// v2), where 1_000, 0x_1 and 1_0.5 are numbers; js-yaml writes YAML 1.2, where they are strings,
// and would leave them unquoted, so a label value "1_000" would reach the apiserver as the number
// 1000. js-yaml already quotes YAML 1.1's booleans (yes, off...) and base-60 numbers.
import { DEFAULT_SCHEMA, dump, Type } from "js-yaml";

/** Integers and floats with '_' digit separators, as YAML 1.1 (go-yaml v2's resolver) reads them. */
const YAML11_UNDERSCORE_NUMBER =
  /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|[0-9][0-9_]*|[0-9][0-9_]*\.[0-9_]*(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?)$/;

/**
 * Never used to read: its only job is to make js-yaml see that such a string, written plain, would
 * be read back as something else, so the dump quotes it.
 */
const yaml11UnderscoreNumber = new Type("tag:kubescratch.dev,2026:yaml11-number", {
  kind: "scalar",
  resolve: (data: unknown) =>
    typeof data === "string" && data.includes("_") && YAML11_UNDERSCORE_NUMBER.test(data),
  construct: (data: string) => data,
});

const WRITE_SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [yaml11UnderscoreNumber] });

export interface YamlOptions {
  /** Lists inside a mapping start at the key's own column (kubectl's kubeconfig style). */
  readonly noArrayIndent?: boolean;
}

/** One YAML document, lines never folded, aliases never used. */
export function toYaml(value: unknown, options: YamlOptions = {}): string {
  return dump(value, {
    lineWidth: -1,
    noRefs: true,
    schema: WRITE_SCHEMA,
    ...(options.noArrayIndent ? { noArrayIndent: true } : {}),
  });
}
