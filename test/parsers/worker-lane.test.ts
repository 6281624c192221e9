/**
 * A lane of the parallel loader (parsers/parallel.ts WorkerLane) keeps one worker
 * for its files; a worker that dies fails only the file it held, and the next
 * file gets a new worker (not the dying one). The worker here is a stand-in
 * script that answers like parse-worker.ts and crashes on request.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { WorkerLane } from "../../parsers/parallel.js";

const dir = mkdtempSync(join(tmpdir(), "llmprof-lane-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const script = join(dir, "stand-in-worker.mjs");
writeFileSync(
  script,
  `import { parentPort, threadId } from "node:worker_threads";
parentPort.on("message", (request) => {
  if (request.file === "crash") throw new Error("stand-in crash");
  if (request.file === "exit") process.exit(3);
  parentPort.postMessage({ result: { file: request.file, threadId } });
});
`,
);

describe("a worker lane", () => {
  it("answers its files from one worker, and after a crash or an exit from a new one", async () => {
    const lane = new WorkerLane(pathToFileURL(script));
    try {
      const a = await lane.run<{ file: string; threadId: number }>({ file: "a", options: {} }, () => {});
      const b = await lane.run<{ file: string; threadId: number }>({ file: "b", options: {} }, () => {});
      expect(a.file).toBe("a");
      expect(b.threadId).toBe(a.threadId); // warm: the same worker
      await expect(lane.run({ file: "crash", options: {} }, () => {})).rejects.toThrow("stand-in crash");
      // asked at once, before the crashed worker has exited: a new worker answers
      const c = await lane.run<{ file: string; threadId: number }>({ file: "c", options: {} }, () => {});
      expect(c.file).toBe("c");
      expect(c.threadId).not.toBe(a.threadId);
      await expect(lane.run({ file: "exit", options: {} }, () => {})).rejects.toThrow(/exit: the parsing thread stopped \(exit code 3\)/);
      const d = await lane.run<{ file: string; threadId: number }>({ file: "d", options: {} }, () => {});
      expect(d.file).toBe("d");
      expect(d.threadId).not.toBe(c.threadId);
    } finally {
      lane.close();
    }
  });
});
