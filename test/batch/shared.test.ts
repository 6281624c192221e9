/**
 * `llmprof batch` over the larger real traces in ../shared/traces (skipped with
 * a note when absent; test/batch/batch-cli.test.ts covers the same on the
 * bundled fixtures): one row per trace and rank with analyze's figures; files
 * that look like traces but cannot be read (an .xz export) in the errors table.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { SHARED_TRACES, sharedTrace } from "../helpers/paths.js";
import { expectClose, expectedFor, readParquet, tempRoot, tracesUnder } from "./helpers.js";

const available = sharedTrace("kineto") !== null;

describe.skipIf(!available)("llmprof batch over ../shared/traces", () => {
  it("gives analyze's figures for every trace and rank", { timeout: 900_000 }, async () => {
    const out = join(tempRoot(), "out");
    const r = runCli(["batch", SHARED_TRACES, "--out", out, "--jobs", "2"]);
    expect([0, 1]).toContain(r.status);
    const rows = await readParquet(join(out, "traces.parquet"));
    const errors = await readParquet(join(out, "errors.parquet"));
    expect(r.status).toBe(errors.length > 0 ? 1 : 0);
    // the only unreadable files are compressed with a codec llmprof does not inflate
    for (const e of errors) expect(String(e["file"])).toMatch(/\.(xz|zst|bz2)$/);
    const files = tracesUnder(SHARED_TRACES);
    expect([...new Set(rows.map((x) => String(x["file"])))].sort()).toEqual(files);
    for (const file of files) {
      const expected = await expectedFor(join(SHARED_TRACES, file));
      const mine = rows.filter((x) => x["file"] === file);
      expect(
        mine.map((x) => x["rank"]),
        file,
      ).toEqual(expected.map((e) => e.rank));
      expected.forEach((e, i) => {
        for (const [col, value] of Object.entries(e.values)) expectClose(mine[i]![col], value, `${file} rank ${e.rank} ${col}`);
      });
    }
  });
});
