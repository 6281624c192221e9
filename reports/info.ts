/** Text rendering of `llmprof info`. */
import type { TraceInfo } from "../src/analysis/info.js";
import { deviceList, formatCount } from "./format.js";

export function renderInfo(info: TraceInfo): string {
  const lines: string[] = [];
  lines.push(`${info.file}`);
  lines.push(`  format:   ${info.format}${info.partial ? " (PARTIAL: truncated input)" : ""}`);
  if (info.sensitiveContent.length) {
    lines.push(`  ⚠ contains: ${info.sensitiveContent.join(", ")} (not copied into llmprof outputs; review before sharing this file)`);
  }
  if (info.traceName) lines.push(`  name:     ${info.traceName}`);
  const versions = Object.entries(info.versions).filter(([k]) => k !== "baseTimeNanoseconds");
  if (versions.length) lines.push(`  versions: ${versions.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  const opts = Object.entries(info.options);
  if (opts.length) lines.push(`  options:  ${opts.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  lines.push(`  devices:  ${info.devices.length ? deviceList(info.devices) : "none recorded"}`);
  if (info.rank !== null) lines.push(`  rank:     ${info.rank} of ${info.worldSize ?? "?"}`);
  lines.push(`  steps:    ${info.steps.count ? info.steps.numbers.join(", ") : "none (whole trace is one window)"}`);
  const s = info.stored;
  lines.push(
    `  stored:   ${formatCount(s.cpuSlices)} CPU slices, ${formatCount(s.runtimeCalls)} runtime calls, ${formatCount(s.kernels)} kernels, ${formatCount(s.memcpy)} memcpy, ${formatCount(s.memset)} memset, ${formatCount(s.memoryEvents)} memory events, ${formatCount(s.fwdbwdLinks)} fwd->bwd links`,
  );
  lines.push("  events:");
  for (const [k, v] of Object.entries(info.eventCounts).sort((a, b) => b[1] - a[1])) lines.push(`    ${k.padEnd(28)} ${formatCount(v).padStart(12)}`);
  lines.push("  analyses:");
  for (const c of info.capabilities) lines.push(`    ${c.available ? "yes" : "no "}  ${c.analysis.padEnd(24)} ${c.reason}`);
  if (info.diagnostics.length) {
    lines.push("  import notes:");
    for (const d of info.diagnostics) lines.push(`    [${d.severity}] ${d.id} ×${formatCount(d.count)}`);
  }
  return `${lines.join("\n")}\n`;
}
