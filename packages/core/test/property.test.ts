import fc from "fast-check";
import { dump } from "js-yaml";
import { parseSpec, parseSpecText, planCluster, SpecError } from "../src/index.js";
import { fixtureFiles } from "./helpers.js";

/** The only acceptable outcomes of validation: a spec that also plans, or a SpecError. */
function outcome(run: () => ReturnType<typeof parseSpec>): "valid" | "invalid" {
  try {
    const { spec } = run();
    planCluster(spec);
    return "valid";
  } catch (caught) {
    if (caught instanceof SpecError) {
      expect(caught.issues.length).toBeGreaterThan(0);
      return "invalid";
    }
    throw caught;
  }
}

const validDocuments = fixtureFiles("specs").map((file) => {
  const { spec } = parseSpecText(file.text);
  return JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (list of keys and indexes) into a JSON value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value))
    return [prefix, ...value.flatMap((item, index) => paths(item, [...prefix, index]))];
  if (value !== null && typeof value === "object") {
    return [prefix, ...Object.entries(value).flatMap(([key, item]) => paths(item, [...prefix, key]))];
  }
  return [prefix];
}

/** Interesting replacement values: near-misses of real values, not just noise. */
const replacement: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    "10.10.0.0/33",
    "10.10.1.0/16",
    "fd00::/64",
    "fd00::1",
    "192.168.1.300",
    "1.2.3",
    "0.0.0.0/0",
    "10.0.0.0/8",
    "255.255.255.255",
    "1.25",
    "v1.2.0",
    "1.34.99",
    "rkt",
    "docker",
    "firewall-only",
    "kubelet",
    "gce",
    "external",
    "per-role",
    "control-plane",
    "",
    -1,
    0,
    1,
    32,
    65536,
    1.5,
    true,
    false,
    null,
    [],
    {},
  ),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

function mutate(
  document: Record<string, unknown>,
  path: (string | number)[],
  value: Json,
  remove: boolean,
): unknown {
  const copy = JSON.parse(JSON.stringify(document)) as Json;
  if (path.length === 0) return remove ? undefined : value;
  let parent: Json = copy;
  for (const segment of path.slice(0, -1))
    parent = (parent as Record<string | number, Json>)[segment] as Json;
  const last = path[path.length - 1] as string | number;
  if (Array.isArray(parent) && typeof last === "number") {
    if (remove) parent.splice(last, 1);
    else parent[last] = value;
  } else if (parent !== null && typeof parent === "object") {
    const record = parent as Record<string, Json>;
    if (remove) Reflect.deleteProperty(record, last);
    else record[last] = value;
  }
  return copy;
}

describe("validation never throws anything but SpecError", () => {
  it("on mutated valid specs (one to three edits each)", () => {
    const edit = fc.tuple(fc.nat(), replacement, fc.boolean());
    const seen = { valid: 0, invalid: 0 };
    fc.assert(
      fc.property(
        fc.nat(validDocuments.length - 1),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        (which, edits) => {
          let document = validDocuments[which] as Record<string, unknown>;
          for (const [pick, value, remove] of edits) {
            const all = paths(document);
            const path = all[pick % all.length] ?? [];
            document = mutate(document, path, value, remove) as Record<string, unknown>;
            if (document === null || typeof document !== "object") break;
          }
          seen[outcome(() => parseSpec(document))]++;
        },
      ),
      { numRuns: 3000 },
    );
    // Both outcomes occur: the generator is not trivially producing only garbage.
    expect(seen.valid).toBeGreaterThan(100);
    expect(seen.invalid).toBeGreaterThan(100);
  });

  it("on arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        outcome(() => parseSpec(value));
      }),
      { numRuns: 1000 },
    );
  });

  it("on YAML text: serialised mutations and arbitrary strings", () => {
    fc.assert(
      fc.property(
        fc.nat(validDocuments.length - 1),
        fc.string({ maxLength: 40 }),
        fc.nat(),
        (which, noise, at) => {
          const text = dump(validDocuments[which]);
          const position = at % (text.length + 1);
          outcome(() => parseSpecText(text.slice(0, position) + noise + text.slice(position)));
        },
      ),
      { numRuns: 1500 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
        outcome(() => parseSpecText(text));
      }),
      { numRuns: 500 },
    );
  });
});
