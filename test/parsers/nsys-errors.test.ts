/** Bad nsys input: one clear LlmprofError naming the file and what is missing, never a stack trace. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync, gunzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { loadTraces } from "../../parsers/registry.js";
import { LlmprofError } from "../../src/errors.js";
import { assertModelIntegrity } from "../helpers/integrity.js";
import { fixture } from "../helpers/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "llmprof-nsys-err-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function makeDb(name: string, ddl: string[]): string {
  const path = join(tmp, name);
  const db = new Database(path);
  for (const s of ddl) db.exec(s);
  db.close();
  return path;
}

async function errorOf(path: string): Promise<LlmprofError> {
  try {
    await loadTraces([path]);
  } catch (e) {
    expect(e).toBeInstanceOf(LlmprofError);
    return e as LlmprofError;
  }
  throw new Error(`${path} parsed without error`);
}

describe("nsys readers on bad input", () => {
  it("an SQLite database that is not an nsys export: says so and lists the tables it lacks", async () => {
    const path = makeDb("app.sqlite", ["CREATE TABLE users (id INTEGER, name TEXT)", "INSERT INTO users VALUES (1, 'a')"]);
    const e = await errorOf(path);
    expect(e.file).toBe(path);
    expect(e.problem).toMatch(/not an Nsight Systems export/);
    expect(e.problem).toMatch(/StringIds/);
    expect(e.problem).toMatch(/CUPTI_ACTIVITY_KIND_KERNEL/);
    expect(e.problem).toMatch(/it has users/);
  });

  it("an nsys export without StringIds: names the missing table", async () => {
    const path = makeDb("nostrings.sqlite", [
      "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER, end INTEGER, deviceId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER)",
    ]);
    expect((await errorOf(path)).problem).toMatch(/missing table StringIds/);
  });

  it("an nsys export whose tables lack columns: lists them", async () => {
    const path = makeDb("cols.sqlite", ["CREATE TABLE StringIds (id INTEGER, value TEXT)", "CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER, end INTEGER, deviceId INTEGER)"]);
    const p = (await errorOf(path)).problem;
    expect(p).toMatch(/columns streamId, correlationId, globalPid, demangledName of CUPTI_ACTIVITY_KIND_KERNEL/);
  });

  it("an nsys export with strings but no activity tables: says what to record", async () => {
    const path = makeDb("empty.sqlite", ["CREATE TABLE StringIds (id INTEGER, value TEXT)"]);
    expect((await errorOf(path)).problem).toMatch(/any of the tables CUPTI_ACTIVITY_KIND_KERNEL.*nsys profile -t cuda,nvtx/);
  });

  it("a cut .sqlite.gz: a clear error", async () => {
    const whole = readFileSync(fixture("nsys/nsys-tiny-train.sqlite.gz"));
    const path = join(tmp, "cut.sqlite.gz");
    writeFileSync(path, whole.subarray(0, whole.length >> 1));
    expect((await errorOf(path)).problem).toMatch(/truncated|ends early/);
  });

  it("a cut JSON export: read up to the cut, marked partial", async () => {
    const text = gunzipSync(readFileSync(fixture("nsys/nsys-tiny-train.json.gz")));
    const path = join(tmp, "cut.json.gz");
    writeFileSync(path, gzipSync(text.subarray(0, Math.floor(text.length * 0.6))));
    const [m] = await loadTraces([path]);
    expect(m!.meta.format).toBe("nsys-json");
    expect(m!.meta.partial).toBe(true);
    expect(m!.diagnostics.map((d) => d.id)).toContain("truncated-input");
    assertModelIntegrity(m!);
  });

  it("a cut Arrow export: a clear error", async () => {
    const bytes = gunzipSync(readFileSync(fixture("nsys/nsys-tiny-train.arrow.gz")));
    const path = join(tmp, "cut.arrow");
    writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    const e = await errorOf(path);
    expect(e.problem).toMatch(/Arrow|incomplete|missing/);
  });

  it("a JSON object per line that is not an nsys export is not taken for one", async () => {
    const path = join(tmp, "lines.json");
    writeFileSync(path, '{"data":[1,2,3]}\n{"x":1}\n');
    expect((await errorOf(path)).problem).toMatch(/unrecognised format/);
  });
});
