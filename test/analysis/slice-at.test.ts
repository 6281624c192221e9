import { describe, expect, it } from "vitest";
import { parseKineto } from "../../parsers/kineto.js";
import { SliceLocator } from "../../src/analysis/slice-at.js";
import { fixture } from "../helpers/paths.js";

describe("SliceLocator.innermostAtEach", () => {
  it("places every query in the latest-starting slice of its thread that contains it, like innermostAt and a brute-force scan", async () => {
    const model = await parseKineto(fixture("llama-tiny-train.json.gz"));
    const { cpu, memory } = model;
    // queries: every allocator event, plus each slice's start, end and midpoint and a time just after its end (nesting edges)
    const thread: number[] = [];
    const time: number[] = [];
    for (let i = 0; i < memory.length; i++) {
      thread.push(memory.thread[i]!);
      time.push(memory.time[i]!);
    }
    for (let i = 0; i < cpu.length; i += 3) {
      for (const t of [cpu.start[i]!, cpu.end[i]!, (cpu.start[i]! + cpu.end[i]!) / 2, cpu.end[i]! + 1]) {
        thread.push(cpu.thread[i]!);
        time.push(t);
      }
    }
    thread.push(cpu.thread[0]!, 987654);
    time.push(NaN, cpu.start[0]!);
    const rows = Array.from(thread.keys()).reverse(); // any order of queries
    const locator = new SliceLocator(model);
    const each = locator.innermostAtEach(rows, thread, time);

    // brute force: cpu rows are in start order per thread, so the innermost is the highest row containing t
    const byThread = new Map<number, number[]>();
    for (let i = 0; i < cpu.length; i++) byThread.set(cpu.thread[i]!, [...(byThread.get(cpu.thread[i]!) ?? []), i]);
    let found = 0;
    rows.forEach((r, q) => {
      let want = -1;
      for (const i of byThread.get(thread[r]!) ?? []) if (cpu.start[i]! <= time[r]! && time[r]! <= cpu.end[i]!) want = i;
      expect(each[q], `query ${r}`).toBe(want);
      expect(each[q]).toBe(locator.innermostAt(thread[r]!, time[r]!));
      if (want >= 0) found++;
    });
    expect(memory.length).toBeGreaterThan(100);
    expect(found).toBeGreaterThan(rows.length / 2);
  });
});
