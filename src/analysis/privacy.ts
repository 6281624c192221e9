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
