#!/usr/bin/env node
/**
 * Renders the tracks of an annotated trace (`llmprof analyze --format trace`) to a
 * PNG, lane by lane as Perfetto lays them out, for the README: Perfetto UI cannot be
 * opened offline. Usage:
 *   node tools/render-annotated-trace.mjs annotated.json.gz out.png [stepName]
 * Needs playwright-core (a dev dependency) and Chromium (LLMPROF_CHROMIUM or /usr/bin/chromium).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { chromium } from "playwright-core";

const [input, output, stepName] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write("usage: render-annotated-trace.mjs annotated.json[.gz] out.png [ProfilerStep#N]\n");
  process.exit(2);
}
let buf = readFileSync(input);
if (buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
const events = JSON.parse(buf.toString("utf8")).traceEvents;
const names = new Map();
for (const e of events) if (e.ph === "M" && e.name === "thread_name") names.set(`${e.pid}/${e.tid}`, e.args.name);
const pid0 = events.find((e) => e.ph === "M" && e.name === "process_name").pid;
const steps = events.filter((e) => e.cat === "llmprof.step" && e.pid === pid0);
const step = steps.find((s) => s.name === stepName) ?? steps[steps.length - 1];
const [from, to] = [step.ts, step.ts + step.dur];

const CAUSE = {
  "host-bound": "#d62728",
  synchronization: "#9467bd",
  "launch-latency": "#ff9896",
  "queued-dependency": "#8c564b",
  "before-first-activity": "#7f7f7f",
  "after-last-activity": "#c7c7c7",
  "no-launch-record": "#bcbd22",
};
const CATEGORY = {
  gemm: "#1f77b4",
  attention: "#17becf",
  elementwise: "#aec7e8",
  reduction: "#98df8a",
  softmax: "#2ca02c",
  optimizer: "#ff7f0e",
  communication: "#e377c2",
  memory: "#bcbd22",
  embedding: "#9edae5",
  triton: "#c5b0d5",
  other: "#dddddd",
};
const PHASE = { forward: "#1f77b4", backward: "#ff7f0e", recompute: "#9467bd", optimizer: "#2ca02c", other: "#7f7f7f" };

// lanes: llmprof tracks, then the GPU streams that ran something in the step
const lanes = [];
const laneOf = new Map();
for (const e of events) {
  if (e.pid !== pid0 || (e.ph !== "X" && e.ph !== "i")) continue;
  const name = names.get(`${e.pid}/${e.tid}`) ?? "";
  if (!name.startsWith("llmprof: ") && !/^GPU \d+ stream \d+$/.test(name)) continue;
  const end = e.ph === "X" ? e.ts + e.dur : e.ts;
  if (end < from || e.ts > to) continue;
  if (!laneOf.has(name)) laneOf.set(name, []);
  laneOf.get(name).push(e);
}
const order = [...laneOf.keys()].sort((a, b) => (a.startsWith("llmprof") ? 0 : 1) - (b.startsWith("llmprof") ? 0 : 1));
for (const name of order) lanes.push({ name, events: laneOf.get(name) });
const busy = events.filter((e) => e.ph === "C" && e.pid === pid0 && / busy %$/.test(e.name));

const W = 1400,
  LABEL = 260,
  LANE = 26,
  TOP = 40;
const x = (t) => LABEL + ((Math.min(Math.max(t, from), to) - from) / (to - from)) * (W - LABEL - 20);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
let svg = "";
lanes.forEach((lane, i) => {
  const y = TOP + i * LANE;
  svg += `<text x="8" y="${y + 17}" font-size="12">${esc(lane.name)}</text><line x1="${LABEL}" x2="${W - 20}" y1="${y + LANE}" y2="${y + LANE}" stroke="#eee"/>`;
  for (const e of lane.events) {
    if (e.ph === "i") {
      const cx = x(e.ts);
      svg += `<path d="M${cx} ${y + 4} l6 9 l-6 9 l-6 -9 z" fill="#d62728"><title>${esc(e.name)}</title></path>`;
      continue;
    }
    const color =
      e.cat === "llmprof.idle"
        ? CAUSE[e.name]
        : e.cat === "llmprof.phase"
          ? PHASE[e.name]
          : e.cat === "llmprof.comm"
            ? "#e377c2"
            : e.cat === "llmprof.step"
              ? "#cfe2f3"
              : (CATEGORY[e.args?.llmprof?.category] ?? "#ccc");
    const w = Math.max(0.6, x(e.ts + e.dur) - x(e.ts));
    svg += `<rect x="${x(e.ts)}" y="${y + 4}" width="${w}" height="${LANE - 8}" fill="${color}"/>`;
    if (w > 80) svg += `<text x="${x(e.ts) + 4}" y="${y + 17}" font-size="11">${esc(e.name.slice(0, Math.floor(w / 7)))}</text>`;
  }
});
const cy = TOP + lanes.length * LANE + 10;
svg += `<text x="8" y="${cy + 17}" font-size="12">GPU busy % (counter, 0-100)</text><line x1="${LABEL}" x2="${W - 20}" y1="${cy + 2 * LANE}" y2="${cy + 2 * LANE}" stroke="#999"/>`;
for (let i = 0; i < busy.length; i++) {
  const b = busy[i],
    next = busy[i + 1];
  if (!next || b.ts < from - 0.001 || b.ts > to) continue;
  const h = (b.args.busyPct / 100) * (2 * LANE);
  svg += `<rect x="${x(b.ts)}" y="${cy + 2 * LANE - h}" width="${x(next.ts) - x(b.ts)}" height="${h}" fill="#6baed6"/><text x="${x(b.ts) + 4}" y="${cy + 12}" font-size="11">${b.args.busyPct.toFixed(1)}%</text>`;
}
const legend = Object.entries(CAUSE)
  .map(
    ([k, c], i) => `<rect x="${LABEL + i * 160}" y="${cy + 2 * LANE + 14}" width="12" height="12" fill="${c}"/><text x="${LABEL + 16 + i * 160}" y="${cy + 2 * LANE + 24}" font-size="11">${k}</text>`,
  )
  .join("");
const H = cy + 2 * LANE + 40;
const html = `<!DOCTYPE html><html><body style="margin:0;background:#fff;font-family:sans-serif"><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">
<text x="8" y="22" font-size="14" font-weight="bold">${esc(step.name)}: ${(step.dur / 1000).toFixed(2)} ms. llmprof's tracks of the annotated trace, above the original GPU streams (kernels coloured by llmprof category)</text>${svg}${legend}</svg></body></html>`;
const browser = await chromium.launch({ executablePath: process.env.LLMPROF_CHROMIUM ?? "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: W, height: H } });
await page.setContent(html);
writeFileSync(output, await page.screenshot({ fullPage: true }));
await browser.close();
process.stderr.write(`wrote ${output}\n`);
