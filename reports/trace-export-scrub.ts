/**
 * Names written into the trace must not carry the recording machine's paths:
 * Python frames (`/home/me/repo/train.py(42): main`) keep only the file name.
 */
const ABSOLUTE_PY_DIR = /(^|[\s("'])(?:[A-Za-z]:)?[\\/](?:[^\\/\s]+[\\/])+(?=[^\\/\s]+\.pyx?\b)/g;

export function scrubPaths(name: string): string {
  if (!name.includes("/") && !name.includes("\\")) return name;
  return name.replace(ABSOLUTE_PY_DIR, "$1");
}
