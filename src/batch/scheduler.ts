/**
 * The shard of an array job, from the variables its scheduler sets: Slurm job
 * arrays, Kubernetes Indexed Jobs and AWS Batch array jobs. Only the task's
 * index and the array's size are read, so the same task always gets the same
 * shard (a retried pod re-runs exactly its own share).
 */
import { LlmprofError } from "../errors.js";
import { parseShard, type Shard } from "./naming.js";

export type ShardSource = "flag" | "slurm" | "kubernetes" | "aws-batch";

export interface ResolvedShard {
  shard: Shard | null;
  source: ShardSource | null;
  /** The variables the shard was read from, for the summary line. */
  detail: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

const SCHEDULERS: readonly { source: Exclude<ShardSource, "flag">; marker: string }[] = [
  { source: "slurm", marker: "SLURM_ARRAY_TASK_ID" },
  { source: "kubernetes", marker: "JOB_COMPLETION_INDEX" },
  { source: "aws-batch", marker: "AWS_BATCH_JOB_ARRAY_INDEX" },
];

/**
 * `--shard` as given: "k/n", "auto" (from the scheduler's variables; an error
 * when none is set), "none" (every trace), or undefined: auto when a
 * scheduler's variables are present, else every trace. `shards` is --shards N,
 * the array's size where the scheduler does not say it (Kubernetes).
 */
export function resolveShard(flag: string | undefined, shards: string | undefined, env: Env): ResolvedShard {
  const count = shards === undefined ? null : wholeNumber("--shards", shards, 1);
  const mode = flag?.trim().toLowerCase();
  if (mode === "none") return { shard: null, source: null, detail: null };
  if (mode !== undefined && mode !== "auto") {
    const shard = parseShard(flag!);
    if (count !== null && count !== shard.count) throw new LlmprofError(null, `--shards ${count} contradicts --shard ${flag}`);
    return { shard, source: "flag", detail: null };
  }
  const present = SCHEDULERS.filter((s) => nonEmpty(env[s.marker]));
  if (present.length === 0) {
    if (mode === "auto") throw new LlmprofError(null, "--shard auto: no array-job variables set (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX); give --shard k/n");
    if (count !== null) throw new LlmprofError(null, "--shards N needs an array job's index (JOB_COMPLETION_INDEX, …) or --shard k/n");
    return { shard: null, source: null, detail: null };
  }
  if (present.length > 1) throw new LlmprofError(null, `--shard auto: variables of several schedulers are set (${present.map((s) => s.marker).join(", ")}); give --shard k/n`);
  const source = present[0]!.source;
  const found = source === "slurm" ? slurm(env, count) : source === "kubernetes" ? kubernetes(env, count) : awsBatch(env, count);
  return { shard: found.shard, source, detail: found.detail };
}

/**
 * Slurm: task IDs run from _MIN to _MAX in steps of _STEP (1 unless set), and
 * _COUNT is how many there are: shard = (ID − MIN) / STEP + 1 of COUNT. A list
 * such as --array=1,5,7 has no such step and is refused.
 */
function slurm(env: Env, count: number | null): { shard: Shard; detail: string } {
  const id = wholeNumber("SLURM_ARRAY_TASK_ID", env["SLURM_ARRAY_TASK_ID"]!, 0);
  // Slurm sets _MIN with every array task; guessing it (0 or 1?) could skip a shard silently
  const min = optionalNumber(env, "SLURM_ARRAY_TASK_MIN");
  if (min === null) throw new LlmprofError(null, "SLURM_ARRAY_TASK_ID is set without SLURM_ARRAY_TASK_MIN: give --shard k/n");
  const step = optionalNumber(env, "SLURM_ARRAY_TASK_STEP", 1) ?? 1;
  const max = optionalNumber(env, "SLURM_ARRAY_TASK_MAX");
  const spanned = max === null ? null : Math.floor((max - min) / step) + 1;
  const n = optionalNumber(env, "SLURM_ARRAY_TASK_COUNT", 1) ?? spanned ?? count;
  if (n === null) throw new LlmprofError(null, "SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX: give --shards N");
  if (spanned !== null && spanned !== n)
    throw new LlmprofError(null, `Slurm array ${min}-${max}:${step} does not hold ${n} evenly spaced tasks (a list such as --array=1,5,7?); use a range or give --shard k/n`);
  if (count !== null && count !== n) throw new LlmprofError(null, `--shards ${count} contradicts the Slurm array's ${n} tasks`);
  if (id < min || (id - min) % step !== 0) throw new LlmprofError(null, `SLURM_ARRAY_TASK_ID ${id} is not in the array ${min}-${max ?? "?"}:${step}`);
  const index = (id - min) / step + 1;
  return { shard: checked(index, n, `SLURM_ARRAY_TASK_ID ${id}`), detail: `SLURM_ARRAY_TASK_ID=${id} of ${n}` };
}

/** Kubernetes Indexed Job: JOB_COMPLETION_INDEX is 0-based; the Job's completions come from --shards. */
function kubernetes(env: Env, count: number | null): { shard: Shard; detail: string } {
  const index = wholeNumber("JOB_COMPLETION_INDEX", env["JOB_COMPLETION_INDEX"]!, 0);
  if (count === null) throw new LlmprofError(null, "JOB_COMPLETION_INDEX is set: give --shards N (the Job's completions)");
  return { shard: checked(index + 1, count, `JOB_COMPLETION_INDEX ${index}`), detail: `JOB_COMPLETION_INDEX=${index} of ${count}` };
}

/** AWS Batch: AWS_BATCH_JOB_ARRAY_INDEX is 0-based, AWS_BATCH_JOB_ARRAY_SIZE the parent's size. */
function awsBatch(env: Env, count: number | null): { shard: Shard; detail: string } {
  const index = wholeNumber("AWS_BATCH_JOB_ARRAY_INDEX", env["AWS_BATCH_JOB_ARRAY_INDEX"]!, 0);
  const size = optionalNumber(env, "AWS_BATCH_JOB_ARRAY_SIZE", 1) ?? count;
  if (size === null) throw new LlmprofError(null, "AWS_BATCH_JOB_ARRAY_INDEX is set without AWS_BATCH_JOB_ARRAY_SIZE: give --shards N");
  if (count !== null && count !== size) throw new LlmprofError(null, `--shards ${count} contradicts AWS_BATCH_JOB_ARRAY_SIZE ${size}`);
  return { shard: checked(index + 1, size, `AWS_BATCH_JOB_ARRAY_INDEX ${index}`), detail: `AWS_BATCH_JOB_ARRAY_INDEX=${index} of ${size}` };
}

function checked(index: number, count: number, what: string): Shard {
  if (count > 1_000_000) throw new LlmprofError(null, `${what}: at most 1,000,000 shards, got ${count}`);
  if (index < 1 || index > count) throw new LlmprofError(null, `${what} is outside an array of ${count} tasks`);
  return { index, count };
}

function nonEmpty(v: string | undefined): boolean {
  return v !== undefined && v.trim() !== "";
}

function optionalNumber(env: Env, name: string, min = 0): number | null {
  const v = env[name];
  return nonEmpty(v) ? wholeNumber(name, v!, min) : null;
}

function wholeNumber(name: string, text: string, min: number): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new LlmprofError(null, `${name}: expected a whole number${min > 0 ? ` from ${min}` : ""}, got "${text}"`);
  return n;
}
