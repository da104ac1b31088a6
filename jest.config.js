// TypeScript runs through @swc/jest (type-checking is `pnpm typecheck`'s job); sources are ESM with
// ".js" import specifiers, which the mapper points back at the ".ts" files.
/** @type {import('jest').Config} */
export default {
  testEnvironment: "node",
  roots: ["<rootDir>/packages", "<rootDir>/site"],
  testMatch: ["**/test/**/*.test.ts"],
  transform: {
    "^.+\\.ts$": [
      "@swc/jest",
      { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } },
    ],
  },
  moduleNameMapper: {
    "^@kubescratch/core$": "<rootDir>/packages/core/src/index.ts",
    "^@kubescratch/core/node$": "<rootDir>/packages/core/node/index.ts",
    "^@kubescratch/site$": "<rootDir>/site/src/index.ts",
    "^@kubescratch/rehearse$": "<rootDir>/packages/rehearse/src/index.ts",
    "^(\\.{1,2}/.*)\\.js$": "$1",
  },
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/scripts/jest-summary-reporter.cjs"],
};
