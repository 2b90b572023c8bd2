import type { ProcessorContext, ProcessorSupplier } from './api/processor';
import type { StreamRecord } from './api/record';

/** A kept record, with the weight that keeps estimates over the kept ones unbiased. */
export interface Weighted<V> {
  value: V;
  /** 1 / the probability it was kept with: 1 for a record never sampled. */
  weight: number;
}

export interface SamplerOptions<V> {
  /** The lane a record belongs to (a viewer tier): its probability is the lane's. */
  laneOf(value: V): string;
  /** Records never sampled whatever the lane (lifecycle events: start, stop, error, buffering). */
  exempt(value: V): boolean;
  /**
   * The unit that is kept or dropped as a whole (a viewer): every record of a unit is kept while the
   * unit's hash is below the probability, so distinct counts and per-session figures stay whole for
   * kept units and are weighted by 1 / p.
   */
  unitOf(value: V): string;
  /** The probability of keeping a record of the lane now (the overload controller's). */
  probability(lane: string): number;
}

/**
 * Samples records by unit (Horvitz–Thompson: each kept record carries weight 1/p, so a weighted
 * count or sum estimates the unsampled one without bias). The decision is a hash of the unit against
 * p, not a random draw: a replay with the same p decides the same, and a unit is in or out as a whole.
 * A record sampled out is reported as dropped (`sampled-out`), never silently lost.
 */
export function samplerProcessor<K, V>(options: SamplerOptions<V>): ProcessorSupplier<K, V, K, Weighted<V>> {
  return () => {
    let context: ProcessorContext<K, Weighted<V>>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        const p = options.exempt(record.value) ? 1 : options.probability(options.laneOf(record.value));
        if (p < 1 && unitHash(options.unitOf(record.value)) >= p) {
          context.dropped(record, 'sampled-out');
          return;
        }
        context.forward({ ...record, value: { value: record.value, weight: 1 / p } });
      },
    };
  };
}

/** A unit's place in [0, 1): FNV-1a over its UTF-16 code units, then a murmur3 finalizer to spread it. */
export function unitHash(unit: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < unit.length; i += 1) {
    hash ^= unit.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}
