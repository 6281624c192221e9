/**
 * Nsight Systems reports (`.nsys-rep`, older `.qdrep`): llmprof does not read the report
 * container itself. When `nsys` is on PATH it runs
 *   nsys export --type sqlite --force-overwrite true --output <tmp>/report.sqlite <report>
 * (child_process with an argument array, no shell) into a private temporary directory,
 * reads that database with the sqlite reader and deletes it. Without `nsys`, the error
 * names the exact command to run. Detected by file name: the container format is not
 * documented, so its bytes are not sniffed.
 */
import { execFile } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { LlmprofError } from "../src/errors.js";
import type { TraceModel } from "../src/model/tables.js";
import { parseNsysSqlite } from "./nsys-sqlite.js";
import { describeFsError } from "./source.js";

export const NSYS_REP_FORMAT = "nsys-rep";

export function sniffNsysRep(fileName: string): boolean {
  return /\.(nsys-rep|qdrep)$/i.test(fileName);
}

/** The `nsys` executable on PATH, or null. */
export function findNsys(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const name of process.platform === "win32" ? ["nsys.exe", "nsys.bat"] : ["nsys"]) {
      const p = join(dir, name);
      try {
        accessSync(p, constants.X_OK);
        if (statSync(p).isFile()) return p;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** The command a user runs to export a report themselves (quoted for a POSIX shell). */
export function exportCommand(report: string): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
  const out = report.replace(/\.(nsys-rep|qdrep)$/i, "") + ".sqlite";
  return `nsys export --type sqlite --output ${q(out)} ${q(report)}`;
}

export async function parseNsysRep(path: string, timeoutMs = 30 * 60_000): Promise<TraceModel[]> {
  try {
    statSync(path);
  } catch (e) {
    throw new LlmprofError(path, describeFsError(e));
  }
  const nsys = findNsys();
  if (!nsys) {
    throw new LlmprofError(path, `is an Nsight Systems report; llmprof reads its SQLite export and \`nsys\` is not on PATH. Run: ${exportCommand(path)}  and analyse the .sqlite file`);
  }
  const tmp = mkdtempSync(join(tmpdir(), "llmprof-nsys-rep-"));
  try {
    const out = join(tmp, "report.sqlite");
    await new Promise<void>((resolve, reject) => {
      execFile(nsys, ["export", "--type", "sqlite", "--force-overwrite", "true", "--output", out, path], { timeout: timeoutMs, maxBuffer: 16 << 20, windowsHide: true }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const last = String(stderr).trim().split("\n").filter(Boolean).pop() ?? err.message;
        reject(new LlmprofError(path, `\`nsys export\` failed (${last}); try: ${exportCommand(path)}`));
      });
    });
    try {
      statSync(out);
    } catch {
      throw new LlmprofError(path, `\`nsys export\` wrote no database; try: ${exportCommand(path)}`);
    }
    const models = await parseNsysSqlite(out, {}, NSYS_REP_FORMAT);
    // name the report, not the temporary database, in every output
    return models.map((m) => ({ ...m, meta: { ...m.meta, files: [path] } }));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
