// Typed linting: the rules that matter most here need type information
// (no floating promises, no misused promises, awaited thenables).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // test/fakes/*.mjs are stand-in executables run by plain node (the fake claude CLI), and
  // src/build/node-ts.mjs starts the build where Node cannot run TypeScript, and
  // src/build/node-version.mjs with test/run.mjs turn an old Node away: not part of the typed
  // project.
  { ignores: ["bundles/**", "node_modules/**", ".ci/**", "test/fakes/*.mjs", "src/build/node-ts.mjs", "src/build/node-version.mjs", "test/run.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["eslint.config.js"] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: {
      // node:test's describe/it return promises the runner tracks itself.
      "@typescript-eslint/no-floating-promises": ["error", { allowForKnownSafeCalls: [{ from: "package", package: "node:test", name: ["it", "describe", "test", "before", "after", "beforeEach", "afterEach", "suite"] }] }],
    },
  },
);
