/** Invariants every TraceModel must satisfy, whatever the input format. */
import { expect } from "vitest";
import type { TraceModel } from "../../src/model/tables.js";

export function assertModelIntegrity(m: TraceModel): void {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok && problems.length < 20) problems.push(what);
  };
  const sorted = (name: string, start: Float64Array, end: Float64Array) => {
    for (let i = 0; i < start.length; i++) {
      check(Number.isFinite(start[i]!) && Number.isFinite(end[i]!), `${name}[${i}] non-finite time`);
      check(end[i]! >= start[i]!, `${name}[${i}] ends before it starts`);
      if (i > 0) check(start[i]! >= start[i - 1]!, `${name}[${i}] out of order`);
    }
  };
  sorted("cpu", m.cpu.start, m.cpu.end);
  sorted("runtime", m.runtime.start, m.runtime.end);
  sorted("gpu", m.gpu.start, m.gpu.end);
  sorted("gpuRanges", m.gpuRanges.start, m.gpuRanges.end);
  const strIdx = (name: string, a: Int32Array) => {
    for (let i = 0; i < a.length; i++) check(a[i]! >= -1 && a[i]! < m.strings.length, `${name}[${i}] string index out of range`);
  };
  strIdx("cpu.name", m.cpu.name);
  strIdx("gpu.name", m.gpu.name);
  strIdx("runtime.name", m.runtime.name);
  for (let i = 0; i < m.cpu.length; i++) {
    const p = m.cpu.parent[i]!;
    check(m.cpu.thread[i]! >= 0 && m.cpu.thread[i]! < m.threads.length, `cpu[${i}] thread out of range`);
    if (p >= 0) {
      check(p < m.cpu.length && m.cpu.thread[p] === m.cpu.thread[i], `cpu[${i}] parent on another thread`);
      check(m.cpu.start[p]! <= m.cpu.start[i]! && m.cpu.end[p]! > m.cpu.start[i]!, `cpu[${i}] parent does not enclose its start`);
      check(m.cpu.depth[i] === m.cpu.depth[p]! + 1, `cpu[${i}] depth`);
    } else check(m.cpu.depth[i] === 0, `cpu[${i}] root depth`);
  }
  for (let i = 0; i < m.gpu.length; i++) {
    const l = m.gpu.launch[i]!;
    check(l >= -1 && l < m.runtime.length, `gpu[${i}] launch out of range`);
    if (l >= 0) check(m.runtime.correlation[l] === m.gpu.correlation[i], `gpu[${i}] launch correlation mismatch`);
    check(m.gpu.collective[i]! >= -1 && m.gpu.collective[i]! < m.collectives.length, `gpu[${i}] collective out of range`);
  }
  for (let i = 0; i < m.runtime.length; i++) {
    const p = m.runtime.cpuParent[i]!;
    if (p >= 0) {
      check(m.cpu.thread[p] === m.runtime.thread[i], `runtime[${i}] parent on another thread`);
      check(m.cpu.start[p]! <= m.runtime.start[i]! && m.cpu.end[p]! >= m.runtime.start[i]!, `runtime[${i}] parent does not enclose it`);
    }
  }
  for (let i = 0; i < m.fwdbwd.length; i++) {
    check(m.fwdbwd.fwd[i]! >= 0 && m.fwdbwd.fwd[i]! < m.cpu.length, `fwdbwd[${i}] fwd out of range`);
    check(m.fwdbwd.bwd[i]! >= 0 && m.fwdbwd.bwd[i]! < m.cpu.length, `fwdbwd[${i}] bwd out of range`);
  }
  check(/^-?\d+$/.test(m.meta.originNs), "originNs is not an integer string");
  expect(problems).toEqual([]);
}
