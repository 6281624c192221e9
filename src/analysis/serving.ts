/**
 * Serving-engine step markers (user annotations), read by name:
 *   SGLang  `step[DECODE bs=32]`, `step[EXTEND bs=15 toks=15360]`, `step[MIXED ...]`
 *           kind from the mode (EXTEND/PREFILL -> prefill), batch = bs,
 *           tokens = toks, else bs for a decode (one token per sequence)
 *   vLLM    `execute_<n>_context_<c>(sq<q>sk...)_generation_<g>(sq<q>sk...)` and
 *           `execute_context_<c>(<q>_<k>)_generation_<g>(<q>...)`:
 *           c prefill requests and g decode requests; kind prefill (g = 0),
 *           decode (c = 0) or mixed; batch = c + g; tokens = the query tokens
 *           (sq / first number) of both parts
 * Per kind: steps, time (sum of step windows), tokens, tokens/s = tokens / time,
 * and the share of the serving time (prefill/decode split).
 */
export type ServingKind = "prefill" | "decode" | "mixed";

export interface ServingMarker {
  /** Marker format: SGLang's `step[...]`, or `execute_..._context_..._generation_...` (vLLM; also inside SGLang). */
  format: "sglang-step" | "execute-context-generation";
  kind: ServingKind;
  batchSize: number;
  /** Tokens processed in the step, null when the marker does not say. */
  tokens: number | null;
}

const SGLANG = /^step\[(DECODE|EXTEND|PREFILL|MIXED)\b([^\]]*)\]$/i;
const VLLM = /^execute_(?:\d+_)?context_(\d+)\(([^)]*)\)_generation_(\d+)\(([^)]*)\)$/;

export function parseServingMarker(name: string): ServingMarker | null {
  const s = SGLANG.exec(name);
  if (s) {
    const mode = s[1]!.toUpperCase();
    const bs = /\bbs=(\d+)/.exec(s[2]!);
    const toks = /\btoks=(\d+)/.exec(s[2]!);
    if (!bs) return null;
    const kind: ServingKind = mode === "DECODE" ? "decode" : mode === "MIXED" ? "mixed" : "prefill";
    const batchSize = Number(bs[1]);
    return { format: "sglang-step", kind, batchSize, tokens: toks ? Number(toks[1]) : kind === "decode" ? batchSize : null };
  }
  const v = VLLM.exec(name);
  if (v) {
    const context = Number(v[1]);
    const generation = Number(v[3]);
    const kind: ServingKind = generation === 0 ? "prefill" : context === 0 ? "decode" : "mixed";
    const a = queryTokens(v[2]!, context);
    const b = queryTokens(v[4]!, generation);
    return { format: "execute-context-generation", kind, batchSize: context + generation, tokens: a === null || b === null ? null : a + b };
  }
  return null;
}

/** Query tokens of one part: `sq<q>sk<k>...` or `<q>_<k>`, `0` for no requests. */
function queryTokens(args: string, requests: number): number | null {
  if (requests === 0) return 0;
  const sq = /^sq(\d+)/.exec(args);
  if (sq) return Number(sq[1]);
  const plain = /^(\d+)(?:_|$)/.exec(args);
  return plain ? Number(plain[1]) : null;
}

export interface ServingKindRow {
  kind: ServingKind;
  steps: number;
  timeNs: number;
  /** Share of the time of all serving steps, 0-100. */
  pctOfTime: number;
  tokens: number | null;
  tokensPerS: number | null;
  meanBatchSize: number;
}

export interface ServingResult {
  format: ServingMarker["format"];
  kinds: ServingKindRow[];
}

export function servingSummary(steps: readonly { startNs: number; endNs: number; serving?: ServingMarker | null }[]): ServingResult | null {
  const marked = steps.filter((s) => s.serving);
  if (marked.length === 0) return null;
  const total = marked.reduce((t, s) => t + (s.endNs - s.startNs), 0);
  const kinds: ServingKindRow[] = [];
  for (const kind of ["prefill", "decode", "mixed"] as const) {
    const list = marked.filter((s) => s.serving!.kind === kind);
    if (list.length === 0) continue;
    const timeNs = list.reduce((t, s) => t + (s.endNs - s.startNs), 0);
    const tokens = list.some((s) => s.serving!.tokens === null) ? null : list.reduce((t, s) => t + s.serving!.tokens!, 0);
    kinds.push({
      kind,
      steps: list.length,
      timeNs,
      pctOfTime: total > 0 ? (100 * timeNs) / total : 0,
      tokens,
      tokensPerS: tokens === null || timeNs <= 0 ? null : tokens / (timeNs / 1e9),
      meanBatchSize: list.reduce((t, s) => t + s.serving!.batchSize, 0) / list.length,
    });
  }
  return { format: marked[0]!.serving!.format, kinds };
}
