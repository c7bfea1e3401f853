// GitHub Actions expressions for the workflow tests' runner (WorkflowRunner.cs), evaluated by GitHub's own
// implementation, @actions/expressions (actions/languageservices), not by a copy of its rules. One request a line on
// stdin: {"expr": "...", "contexts": {...}, "status": "success|failure|cancelled"}; one answer a line on stdout:
// {"ok": true, "value": <JSON>, "text": <the value as a string, as GitHub puts it into a template>, "truthy": bool}
// or {"ok": false, "error": "..."}. The job-status functions (success, failure, always, cancelled) are the runner's,
// not the library's: they read "status". Run: node expressions.mjs MODULES_DIR (node_modules holding the package).
import { createInterface } from "node:readline";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const { Lexer, Parser, Evaluator, data } = await import(pathToFileURL(join(modules, "@actions/expressions/dist/index.js")).href);
const { truthy } = await import(pathToFileURL(join(modules, "@actions/expressions/dist/result.js")).href);

const statusFunctions = (status) => new Map([
  ["success", { name: "success", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status === "success") }],
  ["failure", { name: "failure", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status === "failure") }],
  ["always", { name: "always", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(true) }],
  ["cancelled", { name: "cancelled", minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(status === "cancelled") }],
]);

for await (const line of createInterface({ input: process.stdin })) {
  let answer;
  try {
    const request = JSON.parse(line);
    const contexts = JSON.parse(JSON.stringify(request.contexts ?? {}), data.reviver);
    const functions = statusFunctions(request.status ?? "success");
    const lexed = new Lexer(request.expr).lex();
    const parser = new Parser(lexed.tokens, Object.keys(request.contexts ?? {}), [...functions.values()]);
    const result = new Evaluator(parser.parse(), contexts, functions).evaluate();
    answer = { ok: true, value: JSON.parse(JSON.stringify(result, data.replacer)), text: result.coerceString(), truthy: truthy(result) };
  } catch (e) {
    answer = { ok: false, error: String(e?.message ?? e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}
