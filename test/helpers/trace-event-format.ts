/**
 * A checker of the Chrome Trace Event Format (the "Trace Event Format" document
 * of the Chromium/catapult project, JSON Object Format), written from the spec:
 *  - the file is an object with a `traceEvents` array; `displayTimeUnit`, when
 *    present, is "ms" or "ns";
 *  - every event has a one-letter `ph`, a `name` string and a numeric `pid`;
 *  - X (complete): numeric `ts`, `tid`, `dur` >= 0;
 *  - B/E (duration): numeric `ts`, `tid`; per (pid, tid) every E closes the last
 *    open B, not before it; none left open;
 *  - i/I (instant): numeric `ts`; scope `s` is g, p or t (t, the default, needs a tid);
 *  - C (counter): numeric `ts`, `args` of numbers only;
 *  - M (metadata): a known name (process_name, process_labels, process_sort_index,
 *    thread_name, thread_sort_index); *_name carry `args.name` (string), *_sort_index
 *    `args.sort_index` (number); no ts needed;
 *  - s/t/f (flow): numeric `ts`, `tid`, an `id`; per (cat, name, id) exactly one s
 *    and one f, the f not before the s, and each bound to a slice of its thread
 *    (an X on the same pid/tid enclosing ts; `bp: "e"` on f binds to the enclosing slice);
 *  - every process and every thread that carries events is named by an M event.
 * Also (Perfetto's rule for thread slices): the slices of one thread nest, they
 * never partially overlap; checked for the threads `nested` selects, within 1 ns
 * (µs doubles near 1e12, the source clocks' magnitude, resolve about 1 ns).
 */
export interface TraceFile {
  displayTimeUnit?: string;
  traceEvents: Record<string, unknown>[];
}

export function checkTraceEventFormat(file: unknown, nested: (threadName: string) => boolean = () => false): string[] {
  const errors: string[] = [];
  const err = (msg: string) => {
    if (errors.length < 20) errors.push(msg);
  };
  if (typeof file !== "object" || file === null || !Array.isArray((file as TraceFile).traceEvents)) return ["not an object with a traceEvents array"];
  const f = file as TraceFile;
  if (f.displayTimeUnit !== undefined && f.displayTimeUnit !== "ms" && f.displayTimeUnit !== "ns") err(`displayTimeUnit ${f.displayTimeUnit}`);
  const num = (v: unknown) => typeof v === "number" && Number.isFinite(v);
  const processNames = new Set<unknown>();
  const threadNames = new Map<string, string>();
  const usedProcesses = new Set<unknown>();
  const usedThreads = new Set<string>();
  const open = new Map<string, number[]>();
  const flows = new Map<string, { s: number; f: number; sTs: number; fTs: number }>();
  const slices = new Map<string, [number, number][]>();
  const flowPoints: { key: string; ts: number; what: string }[] = [];
  f.traceEvents.forEach((e, i) => {
    const at = `event ${i} (${String(e["ph"])} ${String(e["name"])})`;
    const ph = e["ph"];
    if (typeof ph !== "string" || ph.length !== 1) return err(`${at}: ph`);
    if (typeof e["name"] !== "string") return err(`${at}: name`);
    if (!num(e["pid"])) return err(`${at}: pid`);
    const thread = `${String(e["pid"])}/${String(e["tid"])}`;
    const needs = (k: string) => {
      if (!num(e[k])) err(`${at}: ${k} missing or not a number`);
    };
    if (ph !== "M") {
      needs("ts");
      usedProcesses.add(e["pid"]);
    }
    switch (ph) {
      case "X":
        needs("tid");
        needs("dur");
        if ((e["dur"] as number) < 0) err(`${at}: negative dur`);
        usedThreads.add(thread);
        (slices.get(thread) ?? slices.set(thread, []).get(thread)!).push([e["ts"] as number, (e["ts"] as number) + (e["dur"] as number)]);
        break;
      case "B":
      case "E": {
        needs("tid");
        usedThreads.add(thread);
        const stack = open.get(thread) ?? [];
        open.set(thread, stack);
        if (ph === "B") stack.push(e["ts"] as number);
        else {
          const b = stack.pop();
          if (b === undefined) err(`${at}: E without B`);
          else if ((e["ts"] as number) < b) err(`${at}: E before its B`);
        }
        break;
      }
      case "i":
      case "I": {
        const s = e["s"] ?? "t";
        if (s !== "g" && s !== "p" && s !== "t") err(`${at}: scope ${String(s)}`);
        if (s === "t") {
          needs("tid");
          usedThreads.add(thread);
        }
        break;
      }
      case "C": {
        const args = e["args"];
        if (typeof args !== "object" || args === null || Object.values(args).some((v) => !num(v))) err(`${at}: counter args must be numbers`);
        break;
      }
      case "M": {
        const args = e["args"] as Record<string, unknown> | undefined;
        const name = e["name"] as string;
        if (name === "process_name" || name === "thread_name") {
          if (typeof args?.["name"] !== "string") err(`${at}: args.name`);
          else if (name === "process_name") processNames.add(e["pid"]);
          else {
            needs("tid");
            threadNames.set(thread, args["name"]);
          }
        } else if (name === "process_sort_index" || name === "thread_sort_index") {
          if (!num(args?.["sort_index"])) err(`${at}: args.sort_index`);
        } else if (name !== "process_labels") err(`${at}: unknown metadata ${name}`);
        break;
      }
      case "s":
      case "t":
      case "f": {
        needs("tid");
        if (e["id"] === undefined) err(`${at}: flow without id`);
        usedThreads.add(thread);
        const key = `${String(e["cat"])}\u0000${String(e["name"])}\u0000${String(e["id"])}`;
        const fl = flows.get(key) ?? { s: 0, f: 0, sTs: NaN, fTs: NaN };
        flows.set(key, fl);
        if (ph === "s") {
          fl.s++;
          fl.sTs = e["ts"] as number;
        } else if (ph === "f") {
          fl.f++;
          fl.fTs = e["ts"] as number;
        }
        flowPoints.push({ key: thread, ts: e["ts"] as number, what: at });
        break;
      }
      default:
        err(`${at}: unexpected phase ${ph}`);
    }
  });
  for (const [thread, stack] of open) if (stack.length > 0) err(`${thread}: ${stack.length} B without E`);
  for (const [key, fl] of flows) {
    if (fl.s !== 1 || fl.f !== 1) err(`flow ${key.replace(/\u0000/g, "/")}: ${fl.s} starts, ${fl.f} ends`);
    else if (fl.fTs < fl.sTs) err(`flow ${key.replace(/\u0000/g, "/")}: ends before it starts`);
  }
  for (const p of usedProcesses) if (!processNames.has(p)) err(`process ${String(p)} has no process_name`);
  for (const t of usedThreads) if (!threadNames.has(t)) err(`thread ${t} has no thread_name`);
  for (const list of slices.values()) list.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  for (const p of flowPoints) {
    const list = slices.get(p.key) ?? [];
    if (!list.some(([s, e]) => s <= p.ts && p.ts <= e)) err(`${p.what}: no slice of its thread encloses it`);
  }
  for (const [thread, list] of slices) {
    if (!nested(threadNames.get(thread) ?? "")) continue;
    const stack: number[] = [];
    for (const [s, e] of list) {
      while (stack.length > 0 && stack[stack.length - 1]! <= s + 0.001) stack.pop();
      if (stack.length > 0 && e > stack[stack.length - 1]! + 0.001) err(`${thread} (${threadNames.get(thread)}): slice ${s}-${e} overlaps its neighbour partially`);
      stack.push(e);
    }
  }
  return errors;
}
