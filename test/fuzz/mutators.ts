/**
 * A seeded mutator of real trace text. Each mutation is one kind of damage seen
 * in the wild (or worse): cut files, flipped bytes, wrong types, hostile strings.
 */

/** Small, fast, seedable PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Base {
  /** Top-level metadata as JSON text (without traceEvents). */
  head: string;
  /** Event objects as JSON text, one per event. */
  events: string[];
}

export function assemble(base: Base, events: string[]): string {
  return `${base.head.slice(0, -1)}, "traceEvents": [\n${events.join(",\n")}\n]}`;
}

type Mutation = (base: Base, r: () => number) => Buffer | string;

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
const idx = (r: () => number, n: number) => Math.floor(r() * n);

const HOSTILE = ['"<script>alert(1)</script>"', '"a\\"b\\\\c"', '"\\u0000\\u001f"', '"' + "x".repeat(1 << 20) + '"', '"\\ud800"', "null", "[]", "{}", "-1", "1e308", '"NaN"', "true"];
const FIELDS = ["ts", "dur", "pid", "tid", "name", "cat", "ph", "id", "args"];
const ARGS = ["correlation", "External id", "Sequence number", "device", "stream", "grid", "Input Dims", "Collective name", "In msg nelems", "Total Allocated", "Bytes"];

export const MUTATIONS: Record<string, Mutation> = {
  truncate(base, r) {
    const text = assemble(base, base.events);
    return text.slice(0, idx(r, text.length));
  },
  flipBytes(base, r) {
    const buf = Buffer.from(assemble(base, base.events));
    const n = 1 + idx(r, 10);
    for (let i = 0; i < n; i++) buf[idx(r, buf.length)] = idx(r, 256);
    return buf;
  },
  deleteEvents(base, r) {
    return assemble(
      base,
      base.events.filter(() => r() > 0.2),
    );
  },
  duplicateEvents(base, r) {
    const out: string[] = [];
    for (const e of base.events) {
      out.push(e);
      if (r() < 0.2) out.push(e);
    }
    return assemble(base, out);
  },
  wrongFieldType(base, r) {
    const events = [...base.events];
    for (let k = 0; k < 5; k++) {
      const i = idx(r, events.length);
      const field = pick(r, FIELDS);
      events[i] = events[i]!.replace(new RegExp(`"${field}": ("[^"]*"|[^,}\\]]+|\\{[^}]*\\}|\\[[^\\]]*\\])`), `"${field}": ${pick(r, HOSTILE)}`);
    }
    return assemble(base, events);
  },
  wrongArgType(base, r) {
    const events = [...base.events];
    for (let k = 0; k < 5; k++) {
      const i = idx(r, events.length);
      const arg = pick(r, ARGS);
      events[i] = events[i]!.replace(new RegExp(`"${arg}": ("[^"]*"|[^,}\\]]+|\\[[^\\]]*\\])`), `"${arg}": ${pick(r, HOSTILE)}`);
    }
    return assemble(base, events);
  },
  negativeAndHugeTimes(base, r) {
    return assemble(
      base,
      base.events.map((e) =>
        r() < 0.1 ? e.replace(/"dur": [\d.]+/, `"dur": ${pick(r, ["-5", "1e30", "0", "-0.001"])}`).replace(/"ts": [\d.]+/, (m) => (r() < 0.3 ? `"ts": ${pick(r, ["-1e15", "9e99", "0"])}` : m)) : e,
      ),
    );
  },
  unbalancedBeginEnd(base, r) {
    const extra = Array.from({ length: 20 }, (_, k) => `{"ph": "${r() < 0.5 ? "B" : "E"}", "name": "be${k}", "pid": 1, "tid": ${idx(r, 3)}, "ts": ${1000 + idx(r, 100000)}}`);
    return assemble(base, [...base.events, ...extra]);
  },
  orphanFlowsAndLaunches(base, r) {
    const extra = Array.from({ length: 20 }, (_, k) => `{"ph": "${pick(r, ["s", "f"])}", "cat": "fwdbwd", "name": "fwdbwd", "id": ${idx(r, 5)}, "pid": 1, "tid": 1, "ts": ${k}}`);
    return assemble(base, [...base.events.filter((e) => !(e.includes('"cuda_runtime"') && r() < 0.5)), ...extra]);
  },
  hugeName(base, r) {
    const events = [...base.events];
    const i = idx(r, events.length);
    events[i] = events[i]!.replace(/"name": "[^"]*"/, `"name": "${"N".repeat(1 << 20)}"`);
    return assemble(base, events);
  },
  deepNesting(base, r) {
    const depth = 1000 + idx(r, 20000);
    const events = [...base.events];
    events[idx(r, events.length)] = `{"ph": "X", "cat": "cpu_op", "name": "deep", "pid": 1, "tid": 1, "ts": 5, "dur": 1, "args": {"Input Dims": ${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    return assemble(base, events);
  },
  invalidUtf8(base, r) {
    const buf = Buffer.from(assemble(base, base.events));
    // overwrite bytes inside name strings with invalid UTF-8 sequences
    for (let k = 0; k < 10; k++) {
      const at = buf.indexOf('"name": "', idx(r, buf.length));
      if (at < 0) break;
      buf[at + 9] = 0xff;
      buf[at + 10] = 0xc3;
    }
    return buf;
  },
  shuffledKeys(base, r) {
    return assemble(
      base,
      base.events.map((e) => {
        try {
          const o = JSON.parse(e) as Record<string, unknown>;
          const keys = Object.keys(o).sort(() => r() - 0.5);
          return JSON.stringify(Object.fromEntries(keys.map((k) => [k, o[k]])));
        } catch {
          return e;
        }
      }),
    );
  },
  notAnObject(base, r) {
    const events = [...base.events];
    for (let k = 0; k < 5; k++) events[idx(r, events.length)] = pick(r, ["1", '"str"', "null", "[1,2]", "true"]);
    return assemble(base, events);
  },
};
