// @ts-check
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

const nodeBuiltins = [
  "fs",
  "path",
  "os",
  "child_process",
  "net",
  "http",
  "https",
  "crypto",
  "process",
  "url",
  "util",
  "stream",
  "worker_threads",
  "zlib",
  "module",
];

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ["**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: ["**/*.{js,mjs}", "packages/*/test/**/*.ts", "site/test/**/*.ts", "packages/cli/src/**/*.ts"],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
  },
  {
    // The core and the site's page code are pure: no Node built-ins, no clock, no randomness, no
    // environment. Time and randomness come in through generateCluster's options (DESIGN.md).
    files: ["packages/core/src/**/*.ts", "site/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: "The core is pure: take data through function arguments; the CLI does the I/O.",
          })),
          patterns: [
            { group: ["node:*"], message: "The core is pure: no Node built-ins; the CLI does the I/O." },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "The core reads no environment: take settings as arguments." },
        { name: "Buffer", message: "Use Uint8Array and TextEncoder: the core runs in browsers too." },
        { name: "require", message: "ESM only." },
        { name: "setTimeout", message: "The core is synchronous and clock-free." },
        { name: "crypto", message: "Randomness and keys come in through options." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Time comes in through options.now." },
        { object: "Math", property: "random", message: "Randomness comes in through options.random." },
        { object: "performance", property: "now", message: "Time comes in through options.now." },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: "Time comes in through options.now.",
        },
        {
          selector: "CallExpression[callee.object.name='console']",
          message: "The core returns diagnostics; it never prints.",
        },
      ],
    },
  },
);
