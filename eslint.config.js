// ESLint flat config: rules that catch real bugs, not style (Prettier owns style).
// Type-aware rules (floating promises, misused promises) read the tsconfigs.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "fixtures/", "reports/html/assets/d3*.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { project: ["./tsconfig.json", "./tsconfig.test.json"], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-constant-condition": ["error", { checkLoops: false }],
      // control characters in a regex are the point where output is sanitised (terminal, JUnit XML, CSV)
      "no-control-regex": "off",
    },
  },
  {
    // raw references decode untyped formats (protobuf objects) on purpose, independently of the parsers' types
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // the client's untyped parts (core.js's API, table rows of many shapes) until core.js carries JSDoc types
    files: ["reports/html/assets/globals.d.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  {
    files: ["tools/**/*.mjs", "eslint.config.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", URL: "readonly" } },
  },
  {
    // the report's client scripts run in the browser, as classic scripts sharing globals
    files: ["reports/html/assets/**/*.js"],
    languageOptions: { sourceType: "script", globals: { window: "readonly", document: "readonly", d3: "readonly", console: "readonly" } },
    rules: { eqeqeq: ["error", "always", { null: "ignore" }], "no-unused-vars": "off", "no-undef": "off" },
  },
);
