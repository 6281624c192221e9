/**
 * Top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`):
 *   node dist/bench/profile-top.js CPU.xxx.cpuprofile [N]
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function topSelfTime(profile: CpuProfile, n: number): { name: string; ms: number; pct: number }[] {
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const self = new Map<string, number>();
  let total = 0;
  // sample i lasted timeDeltas[i + 1] µs
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const f = node.callFrame;
    const key = `${f.functionName || "(anonymous)"} ${f.url ? `${basename(f.url)}:${f.lineNumber + 1}` : ""}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, pct: total > 0 ? (100 * us) / total : 0 }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [file, n = "25"] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: node dist/bench/profile-top.js <file.cpuprofile> [N]\n");
    process.exit(2);
  }
  const rows = topSelfTime(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(n));
  for (const r of rows) process.stdout.write(`${r.ms.toFixed(0).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)}%  ${r.name}\n`);
}
