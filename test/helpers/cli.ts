import { spawnSync } from "node:child_process";
import { CLI } from "./paths.js";

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; input?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", cwd: options.cwd, input: options.input, env: { ...process.env, CI: "1" } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr naming the file, no stack trace, exit code 2. */
export function expectCleanError(r: CliResult, file: string, problem: RegExp): void {
  const lines = r.stderr.trim().split("\n");
  if (r.status !== 2 || lines.length !== 1 || !lines[0]!.includes(file) || !problem.test(lines[0]!) || /\n\s+at /.test(r.stderr)) {
    throw new Error(`expected a one-line error naming ${file} matching ${problem}, exit 2; got exit ${r.status}, stderr:\n${r.stderr}`);
  }
}
