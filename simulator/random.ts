/**
 * Deterministic randomness for the simulator: every choice is a pure function of (seed, ids), so a
 * session's attributes and events never depend on generation order — the same seed gives the same
 * events, in the same order, on any machine.
 */
export function hash32(seed: number, a: number, b = 0, c = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const value of [a, b, c]) {
    h = Math.imul(h ^ (value >>> 0), 0x85ebca6b) >>> 0;
    h = (h ^ (h >>> 13)) >>> 0;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h;
}

/** A uniform number in [0, 1) from (seed, ids). */
export function unit(seed: number, a: number, b = 0, c = 0): number {
  return hash32(seed, a, b, c) / 4_294_967_296;
}

/** Zipf(s) over ranks 0..n-1 by inverse CDF: rank 0 is the most popular. */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(n: number, s: number) {
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let rank = 0; rank < n; rank += 1) {
      total += 1 / (rank + 1) ** s;
      this.cdf[rank] = total;
    }
    for (let rank = 0; rank < n; rank += 1) (this.cdf as Float64Array)[rank] = (this.cdf[rank] as number) / total;
  }

  rank(u: number): number {
    let low = 0;
    let high = this.cdf.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.cdf[middle] as number) < u) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Picks an entry by weight with a uniform u in [0, 1). */
export function weighted<T extends string>(weights: Readonly<Record<T, number>>, u: number): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  let acc = 0;
  for (const [value, weight] of entries) {
    acc += weight / total;
    if (u < acc) return value;
  }
  return (entries.at(-1) as [T, number])[0];
}
