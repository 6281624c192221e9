/**
 * The HTML report as a file (no browser): the marker llmprof overwrites by, a
 * CSP that forbids the network and allows exactly the inlined scripts and style
 * (hashes recomputed here), no remote reference, and the data block decoding
 * back to the Summary.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assetsDirectory } from "../../reports/html/assets.js";
import { escapeHtml, scriptSafeJson } from "../../reports/html/embed.js";
import { VIEWS } from "../../reports/html/render.js";
import { fixture } from "../helpers/paths.js";
import { buildReports, type Built } from "./build.js";

let built: Built;
beforeAll(async () => {
  built = await buildReports([fixture("llama-tiny-train.json.gz")]);
});

const sha = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

function csp(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  expect(m).not.toBeNull();
  return new Map(
    m![1]!
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .map((parts) => [parts[0]!, parts.slice(1)] as [string, string[]]),
  );
}

describe("report.html", () => {
  it("names llmprof in its first 4 KiB (so re-runs may replace it)", () => {
    expect(Buffer.from(built.html).subarray(0, 4096).toString("utf8")).toContain("llmprof");
  });

  it("has a CSP that forbids remote loads and lists every inline script and style by hash", () => {
    const html = built.html;
    const policy = csp(html);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("img-src")).toEqual(["data:"]);
    expect(policy.get("base-uri")).toEqual(["'none'"]);
    expect(html).not.toMatch(/unsafe-inline|unsafe-eval/);
    // the CSP comes before any script or style
    expect(html.indexOf("Content-Security-Policy")).toBeLessThan(html.indexOf("<style"));
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts.length).toBe(VIEWS.length + 3); // d3, core, the views, main
    expect(new Set(policy.get("script-src"))).toEqual(new Set(scripts.map(sha)));
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles.length).toBe(1);
    expect(policy.get("style-src")).toEqual([sha(styles[0]!)]);
    expect(scripts[0]).toContain("d3js.org");
  });

  it("refers to nothing outside the file", () => {
    const html = built.html;
    expect(html).not.toMatch(/<script[^>]+\bsrc=/i);
    expect(html).not.toMatch(/<link[^>]+rel="?stylesheet/i);
    expect(html).not.toMatch(/@import/);
    const hrefs = [...html.matchAll(/\b(?:href|src)="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs).toEqual(["data:,"]);
  });

  it("embeds the Summary, the timeline and the display labels as JSON", () => {
    const m = /<script type="application\/json" id="llmprof-data">([\s\S]*?)<\/script>/.exec(built.html);
    expect(m).not.toBeNull();
    expect(m![1]).not.toContain("<");
    const data = JSON.parse(m![1]!) as { summary: unknown; timeline: unknown; labels: { kernels: string[] } };
    expect(data.summary).toEqual(JSON.parse(JSON.stringify(built.summary)));
    expect(data.timeline).toEqual(JSON.parse(JSON.stringify(built.timeline)));
    expect(data.labels.kernels.length).toBe(built.summary.kernels.available ? built.summary.kernels.byName.length : 0);
  });

  it("has one client file per view, each registering a view of that name", () => {
    const files = readdirSync(join(assetsDirectory(), "views")).filter((f) => f.endsWith(".js"));
    expect(files.map((f) => f.replace(/\.js$/, "")).sort()).toEqual([...VIEWS].sort());
    for (const v of VIEWS) expect(built.html).toContain(`id: "${v}"`);
  });
});

describe("embedding helpers", () => {
  it("keeps </script>, <!-- and line separators out of a script block", () => {
    const value = { name: "</script><script>alert(1)</script><!-- \u2028\u2029 & >" };
    const text = scriptSafeJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
    expect(scriptSafeJson({ a: Infinity, b: NaN })).toBe('{"a":null,"b":null}');
  });

  it("escapes text for HTML", () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  });
});
