/**
 * Module breakdown from JAX/XLA name scopes (no nn.Module spans in JAX): each
 * kernel's HLO op_name (parsers/xplane-hlo.ts) with the transformation wrappers
 * stripped is its scope path, `transformer/layer_0/attn`; every prefix of a path
 * is an instance. Backward work is the kernels whose op_name has `transpose(`
 * (JAX's reverse-mode differentiation); the rest is forward. No recomputation is
 * told apart (remat work shows as forward work inside the backward pass).
 *
 * Same shape and arithmetic as modules.ts: self = kernel time of kernels whose
 * scope is exactly this path; inclusive = this path and its descendants; the
 * kernels with no scope land in one `unattributed` line, so
 * Σ self + Σ unattributed = all kernel time of the window, exactly.
 */
import { scopeOfOpName } from "./hlo-scopes.js";
import type { AnalysisContext } from "./context.js";
import type { ModuleClassRow, ModuleInstanceRow, ModulesResult, ModuleTimes } from "./modules.js";
import { NAME_SCOPES_DESCRIPTION } from "./module-source.js";

/** True when some kernel of the window carries a name-scope path. */
export function hasNameScopes(ctx: AnalysisContext): boolean {
  const scope = ctx.model.gpu.scope;
  if (!scope) return false;
  for (let j = 0; j < ctx.windowRows.length; j++) {
    const s = scope[ctx.windowRows[j]!]!;
    if (s >= 0 && scopeOfOpName(ctx.model.strings.get(s)) !== null) return true;
  }
  return false;
}

interface Acc {
  fwdSelf: number;
  bwdSelf: number;
  fwd: number;
  bwd: number;
  order: number;
}

export function scopeModuleBreakdown(ctx: AnalysisContext): ModulesResult {
  const { gpu, strings } = ctx.model;
  const scope = gpu.scope;
  const parsed = new Map<number, ReturnType<typeof scopeOfOpName>>();
  const acc = new Map<string, Acc>();
  const get = (path: string) => {
    let a = acc.get(path);
    if (!a) acc.set(path, (a = { fwdSelf: 0, bwdSelf: 0, fwd: 0, bwd: 0, order: acc.size }));
    return a;
  };
  let total = 0;
  let noScopeNs = 0;
  let noScopeCount = 0;
  for (let j = 0; j < ctx.windowRows.length; j++) {
    const g = ctx.windowRows[j]!;
    const d = gpu.end[g]! - gpu.start[g]!;
    total += d;
    const s = scope ? scope[g]! : -1;
    let sc = s >= 0 ? parsed.get(s) : null;
    if (s >= 0 && sc === undefined) parsed.set(s, (sc = scopeOfOpName(strings.get(s))));
    if (!sc) {
      noScopeNs += d;
      noScopeCount++;
      continue;
    }
    const parts = sc.path.split("/");
    for (let n = 1; n <= parts.length; n++) {
      const a = get(parts.slice(0, n).join("/"));
      if (sc.backward) a.bwd += d;
      else a.fwd += d;
      if (n === parts.length) {
        if (sc.backward) a.bwdSelf += d;
        else a.fwdSelf += d;
      }
    }
  }

  const pct = (x: number) => (total > 0 ? (100 * x) / total : 0);
  const times = (f: number, fs: number, b: number, bs: number): ModuleTimes => ({
    forwardNs: f,
    forwardSelfNs: fs,
    backwardNs: b,
    backwardSelfNs: bs,
    recomputeNs: 0,
    recomputeSelfNs: 0,
    totalNs: f + b,
    selfNs: fs + bs,
    pctOfKernelTime: pct(f + b),
  });
  // numbered scopes (layer_3) fold into one class (layer), as Class_k does for nn.Modules
  const classOf = (name: string) => name.replace(/_\d+$/, "");
  // tree order: depth-first, children in order of first appearance
  const paths = [...acc.keys()].sort((x, y) => treeOrder(x, y, acc));
  const instances: ModuleInstanceRow[] = paths.map((path) => {
    const a = acc.get(path)!;
    const parts = path.split("/");
    const name = parts[parts.length - 1]!;
    return {
      name,
      className: classOf(name),
      path,
      parentPath: parts.length > 1 ? parts.slice(0, -1).join("/") : null,
      depth: parts.length - 1,
      calls: 0, // scopes carry no call boundaries
      recomputeCalls: 0,
      cpuForwardNs: 0,
      ...times(a.fwd, a.fwdSelf, a.bwd, a.bwdSelf),
    };
  });

  // classes: self adds up; inclusive counts a scope's time once per class on its path
  const classRows = new Map<string, { instances: number; t: number[] }>();
  for (const row of instances) {
    const c = classRows.get(row.className) ?? { instances: 0, t: [0, 0, 0, 0] };
    c.instances++;
    c.t[1]! += row.forwardSelfNs;
    c.t[3]! += row.backwardSelfNs;
    classRows.set(row.className, c);
  }
  for (const row of instances) {
    if (row.selfNs === 0) continue;
    const seen = new Set<string>();
    for (let p: string | null = row.path; p !== null; p = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : null) {
      const cls = classOf(p.slice(p.lastIndexOf("/") + 1));
      if (seen.has(cls)) continue;
      seen.add(cls);
      const c = classRows.get(cls)!;
      c.t[0]! += row.forwardSelfNs;
      c.t[2]! += row.backwardSelfNs;
    }
  }
  const classes: ModuleClassRow[] = [...classRows]
    .map(([className, c]) => ({ className, instances: c.instances, calls: 0, cpuForwardNs: 0, ...times(c.t[0]!, c.t[1]!, c.t[2]!, c.t[3]!) }))
    .sort((a, b) => b.totalNs - a.totalNs || a.className.localeCompare(b.className));

  const unattributed: ModulesResult["unattributed"] =
    noScopeCount > 0
      ? [{ id: "other", label: "kernels without a name scope (library calls such as cuBLAS/cuDNN inside command buffers, work outside any scope)", totalNs: noScopeNs, count: noScopeCount }]
      : [];
  return { kernelTotalNs: total, attributedNs: total - noScopeNs, instances, classes, unattributed, source: "name scopes", sourceDescription: NAME_SCOPES_DESCRIPTION };
}

function treeOrder(x: string, y: string, acc: Map<string, Acc>): number {
  const a = x.split("/");
  const b = y.split("/");
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return acc.get(a.slice(0, i + 1).join("/"))!.order - acc.get(b.slice(0, i + 1).join("/"))!.order;
  }
  return a.length - b.length;
}
