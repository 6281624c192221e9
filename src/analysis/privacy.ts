import type { Summary } from "./summary.js";
/**
 * The trace's own recorded name (Kineto `traceName`) is often a temporary
 * path on the recording machine (/tmp/tmpab12/rank0.pt.trace.json). Outputs
 * keep only its last component, so no directory of that machine is copied.
 */
export function withoutMachinePath(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  const last = name.split(/[\\/]/).filter(Boolean).pop() ?? "";
  return last === "" ? null : last;
}

/**
 * The summary with the input `actual` named `shown` wherever it names files
 * (trace files, ranks, diagnostics): a batch report names its trace relative to
 * the directory the user gave, not by the absolute path the worker opened.
 */
export function renameInput(s: Summary, actual: string, shown: string): Summary {
  const name = (f: string) => (f === actual ? shown : f);
  return {
    ...s,
    trace: { ...s.trace, files: s.trace.files.map(name), ranks: s.trace.ranks.map((r) => ({ ...r, file: name(r.file) })) },
    diagnostics: s.diagnostics.map((d) => ({ ...d, file: name(d.file) })),
  };
}
