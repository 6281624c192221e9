/**
 * Repeated blocks in a sequence of symbols (operator or kernel names): the
 * search behind the inferred layers. Pure, bounded.
 *
 * findPeriod: for each period p (minPeriod ≤ p ≤ min(maxPeriod, n/2)) the
 * longest run of positions with seq[i] = seq[i + p]; the best run (ties: the
 * smaller period, a layer rather than two) covers ⌊run / p⌋ + 1 repeats.
 * O(n · maxPeriod) comparisons.
 * blockRuns: every maximal run of consecutive exact copies of a block.
 */

export interface Period {
  period: number;
  /** Index of the first symbol of the first repeat. */
  start: number;
  repeats: number;
}

export function findPeriod(seq: ArrayLike<number>, minPeriod: number, maxPeriod: number): Period | null {
  const n = seq.length;
  let best = { p: 0, s: 0, run: 0 };
  for (let p = minPeriod; p <= Math.min(maxPeriod, Math.floor(n / 2)); p++) {
    let run = 0;
    for (let i = 0; i + p < n; i++) {
      run = seq[i] === seq[i + p] && seq[i]! >= 0 ? run + 1 : 0;
      if (run > best.run) best = { p, s: i - run + 1, run };
    }
  }
  if (best.p === 0) return null;
  return { period: best.p, start: best.s, repeats: Math.floor(best.run / best.p) + 1 };
}

/**
 * A repeated block may itself hold a shorter repeated block (a whole forward
 * pass repeats in a decode loop; the layers repeat inside it): descend while
 * the inner block repeats enough to be a layer.
 */
export function innermostPeriod(seq: ArrayLike<number>, minPeriod: number, maxPeriod: number, enough: (p: Period) => boolean): Period | null {
  const outer = findPeriod(seq, minPeriod, maxPeriod);
  if (!outer || !enough(outer)) return null;
  let found = outer;
  for (let depth = 0; depth < 4; depth++) {
    const block = Array.prototype.slice.call(seq, found.start, found.start + found.period) as number[];
    const inner = findPeriod(block, minPeriod, Math.floor(found.period / 2));
    // the inner block must cover a good part of the outer one to be its layers (a training step:
    // the forward's layers and the backward's each cover a part, the optimizer the rest)
    if (!inner || !enough(inner) || inner.period * inner.repeats < found.period / 5) break;
    found = { period: inner.period, start: found.start + inner.start, repeats: inner.repeats };
  }
  return found;
}

export interface BlockRun {
  start: number;
  repeats: number;
}

/**
 * Maximal runs of ≥ minRepeats consecutive exact copies of `block` in `seq`, in order.
 * Copies are found with Knuth–Morris–Pratt, so the scan is O(n + p) whatever the symbols.
 */
export function blockRuns(seq: ArrayLike<number>, block: ArrayLike<number>, minRepeats: number): BlockRun[] {
  const p = block.length;
  const out: BlockRun[] = [];
  if (p === 0) return out;
  // failure function of the block
  const fail = new Int32Array(p);
  for (let i = 1, k = 0; i < p; i++) {
    while (k > 0 && block[i] !== block[k]) k = fail[k - 1]!;
    if (block[i] === block[k]) k++;
    fail[i] = k;
  }
  // non-overlapping copies, left to right: after a copy the search restarts at its end
  let runStart = -1;
  let repeats = 0;
  const close = () => {
    if (repeats >= minRepeats) out.push({ start: runStart, repeats });
    repeats = 0;
  };
  for (let i = 0, k = 0; i < seq.length; i++) {
    while (k > 0 && seq[i] !== block[k]) k = fail[k - 1]!;
    if (seq[i] === block[k]) k++;
    if (k === p) {
      const at = i - p + 1;
      if (repeats > 0 && at === runStart + repeats * p) repeats++;
      else {
        close();
        runStart = at;
        repeats = 1;
      }
      k = 0;
    }
  }
  close();
  return out;
}
