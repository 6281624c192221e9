/**
 * JUnit XML for `llmprof check --junit`: one <testcase> per budget line,
 * baseline metric or finding; a failing one carries a <failure> whose message
 * names the metric, the limit and the value. Built with fast-xml-parser's
 * XMLBuilder, which escapes text and attributes.
 */
import { fastXmlParser } from "../src/lazy-library.js";
import type { CheckResult } from "../src/analysis/budget.js";

// characters XML 1.0 cannot carry at all, even escaped
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const clean = (s: string) => s.replace(INVALID_XML, "?");

export function renderJunit(result: CheckResult, suiteName = "llmprof check"): string {
  const failures = result.items.filter((i) => !i.passed).length;
  const testcase = result.items.map((i) => {
    const tc: Record<string, unknown> = { "@_name": clean(i.metric), "@_classname": `llmprof.${i.kind}`, "@_time": "0" };
    if (!i.passed) tc["failure"] = { "@_message": clean(i.message), "@_type": i.kind, "#text": clean(`${i.message}\nlimit: ${i.limit}`) };
    else tc["system-out"] = clean(i.message);
    return tc;
  });
  const doc = {
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    testsuites: {
      "@_name": "llmprof",
      "@_tests": String(result.items.length),
      "@_failures": String(failures),
      testsuite: { "@_name": clean(suiteName), "@_tests": String(result.items.length), "@_failures": String(failures), "@_errors": "0", "@_skipped": "0", testcase },
    },
  };
  const builder = new (fastXmlParser().XMLBuilder)({ ignoreAttributes: false, attributeNamePrefix: "@_", format: true, suppressEmptyNode: true });
  return String(builder.build(doc));
}
