/**
 * Diagnostics are data: every event a parser skipped, repaired or could not link
 * is counted under a catalogued id and shown in every output ("Import issues").
 */

export type Severity = "info" | "warning" | "error";

export interface DiagnosticDefinition {
  readonly severity: Severity;
  readonly explanation: string;
}

export const DIAGNOSTICS = {
  "truncated-input": {
    severity: "warning",
    explanation: "The file ends in the middle of the trace (an interrupted write or a cut download); the complete events before the cut were read and the result is partial.",
  },
  "unterminated-root": {
    severity: "warning",
    explanation: "The top-level JSON object is not closed; the events array was read in full.",
  },
  "malformed-event": {
    severity: "warning",
    explanation: "An event is not a JSON object or cannot be read; it was skipped.",
  },
  "bad-timestamp": {
    severity: "warning",
    explanation: "An event has no numeric `ts` (or a non-finite one); it was skipped.",
  },
  "negative-duration": {
    severity: "warning",
    explanation: "An event has a negative or non-finite `dur`; its duration was set to 0.",
  },
  "missing-duration": {
    severity: "info",
    explanation: "A complete (ph X) event has no `dur`; its duration was set to 0.",
  },
  "unknown-event-kind": {
    severity: "info",
    explanation: "Events of a category/phase that no analysis uses were counted and not stored.",
  },
  "unmatched-end-event": {
    severity: "warning",
    explanation: "A `ph: E` end event has no open `B` event on its thread; it was skipped.",
  },
  "unclosed-begin-event": {
    severity: "warning",
    explanation: "A `ph: B` begin event was never closed; it was closed at the end of the trace.",
  },
  "gpu-activity-without-launch": {
    severity: "info",
    explanation:
      "GPU activities whose launching runtime call is not in the trace (queued before profiling started, e.g. the fused optimizer kernels of the warm-up step). They are counted in every GPU figure and attributed as 'launched before the trace'.",
  },
  "unresolved-flow": {
    severity: "info",
    explanation: "A forward/backward flow event whose source or target operator is not in the trace.",
  },
  "partial-slice-overlap": {
    severity: "info",
    explanation: "A CPU slice starts inside another on the same thread but ends after it (clock rounding); it was nested under the earlier slice.",
  },
  "oversized-value": {
    severity: "warning",
    explanation: "A metadata value was too large to read and was skipped.",
  },
  "bad-metadata": {
    severity: "warning",
    explanation: "A top-level metadata value could not be parsed; it was ignored.",
  },
  "duplicate-correlation": {
    severity: "info",
    explanation: "Several runtime calls share one correlation id; GPU activities link to the first.",
  },
  "no-steps": {
    severity: "info",
    explanation: "The trace has no ProfilerStep#N (or step-like NVTX) ranges; the window is the span of all GPU activity.",
  },
} as const satisfies Record<string, DiagnosticDefinition>;

export type DiagnosticId = keyof typeof DIAGNOSTICS;

export interface Diagnostic {
  readonly id: DiagnosticId;
  readonly severity: Severity;
  readonly count: number;
  readonly explanation: string;
  /** One concrete example (file offset, event name...) to help find the problem. */
  readonly example?: string;
}

/** Counts diagnostics by id while parsing; keeps the first example of each. */
export class DiagnosticsCollector {
  private readonly counts = new Map<DiagnosticId, { count: number; example?: string }>();

  add(id: DiagnosticId, example?: string, count = 1): void {
    const entry = this.counts.get(id);
    if (entry) entry.count += count;
    else this.counts.set(id, example === undefined ? { count } : { count, example });
  }

  /** [id, count, first example] in order of first occurrence (to merge collectors). */
  entries(): Array<[DiagnosticId, number, string | undefined]> {
    return [...this.counts].map(([id, e]) => [id, e.count, e.example]);
  }

  count(id: DiagnosticId): number {
    return this.counts.get(id)?.count ?? 0;
  }

  list(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const [id, { count, example }] of this.counts) {
      const def = DIAGNOSTICS[id];
      out.push({ id, severity: def.severity, count, explanation: def.explanation, ...(example !== undefined ? { example } : {}) });
    }
    const rank = { error: 0, warning: 1, info: 2 } as const;
    return out.sort((a, b) => rank[a.severity] - rank[b.severity] || b.count - a.count);
  }
}
