import type { ProcessorContext, ProcessorSupplier, SampleRates } from './api/processor';
import type { StreamRecord } from './api/record';

/**
 * A kept record and what the estimates need to stay unbiased (Horvitz–Thompson): its weight is
 * 1 / `keptWith`; a distinct unit (a session, a viewer) weighs 1 / the largest `keptWith` among its
 * records; a per-unit range (a session's watch time) is whole only when `unitSampled`, and then
 * weighs 1 / `sampleRate`.
 */
export interface Sampled<V> {
  value: V;
  /** The probability this record was kept with: q for an exempt record, p for a sampled one. */
  keptWith: number;
  /** p of the record's lane in the record's minute. */
  sampleRate: number;
  /** Whether the unit's sampled records are kept in that minute (its hash is below p). */
  unitSampled: boolean;
}

/** What a sampler kept, sampled out and shed of one lane in one minute of event time (a delta since its last commit). */
export interface SampleLedgerEntry {
  minuteStartMs: number;
  lane: string;
  kept: number;
  sampledOut: number;
  shed: number;
}

export interface SamplerOptions<V> {
  /** The lane a record belongs to (a viewer tier): its rates are the lane's. */
  laneOf(value: V): string;
  /** Records never sampled whatever the lane (lifecycle events: start, stop, error, buffering); shedding still applies. */
  exempt(value: V): boolean;
  /**
   * The unit that is kept or dropped as a whole (a viewer): a unit's records are kept while the
   * unit's hash is below the rate, so distinct counts and per-session figures stay whole for kept
   * units and are weighted.
   */
  unitOf(value: V): string;
  /** The child kept records go to, and the child ledger entries go to at every commit. */
  keptChild: string;
  ledgerChild: string;
}

const MINUTE_MS = 60_000;
/** How far back (in event time) a minute's rates are remembered: far beyond any window's grace. */
const REMEMBERED_MINUTES = 60;

/**
 * Samples and sheds records by unit. The decision is a hash of the unit against the lane's rates,
 * not a random draw: a unit is in or out as a whole, and sampling is nested in shedding (a unit
 * below p is below q). The rates are fixed per lane for each minute of event time the first time
 * the minute is seen, so within a window (1 minute or less, minute-aligned) every unit of a lane had
 * the same chance and the weights are exact; the controller's changes apply from the next minute.
 * Nothing is silently lost: every record is counted per minute and lane as kept, sampled out or
 * shed, and the counts go to the ledger child at every commit, inside the commit's transaction (a
 * crash loses the uncommitted counts together with the offsets that replay them). Sampled-out and
 * shed records are also reported as dropped, per reason, for the metrics.
 */
export function samplerProcessor<K, V>(options: SamplerOptions<V>): ProcessorSupplier<K, V, unknown, unknown> {
  return () => {
    let context: ProcessorContext<unknown, unknown>;
    const ratesByMinute = new Map<number, Map<string, SampleRates>>();
    let newestMinute = Number.NEGATIVE_INFINITY;
    /** minute → lane → [kept, sampled out, shed] since the last commit. */
    const ledger = new Map<number, Map<string, [number, number, number]>>();

    const ratesAt = (minute: number, lane: string): SampleRates => {
      let lanes = ratesByMinute.get(minute);
      if (!lanes) {
        ratesByMinute.set(minute, (lanes = new Map()));
        if (minute > newestMinute) {
          newestMinute = minute;
          for (const old of ratesByMinute.keys())
            if (old < minute - REMEMBERED_MINUTES * MINUTE_MS) ratesByMinute.delete(old);
        }
      }
      let rates: SampleRates | undefined = lanes.get(lane);
      if (!rates) lanes.set(lane, (rates = { ...context.sampleRates(lane) }));
      return rates;
    };

    const count = (minute: number, lane: string, outcome: 0 | 1 | 2): void => {
      let lanes = ledger.get(minute);
      if (!lanes) ledger.set(minute, (lanes = new Map()));
      let counts = lanes.get(lane);
      if (!counts) lanes.set(lane, (counts = [0, 0, 0]));
      counts[outcome] += 1;
    };

    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<K, V>) => {
        const lane = options.laneOf(record.value);
        const minute = Math.floor(record.timestamp / MINUTE_MS) * MINUTE_MS;
        const { sample, keep } = ratesAt(minute, lane);
        const exempt = options.exempt(record.value);
        const hash = sample < 1 || keep < 1 ? unitHash(options.unitOf(record.value)) : 0;
        if (hash >= keep) {
          count(minute, lane, 2);
          context.dropped(record, 'shed');
          return;
        }
        if (!exempt && hash >= sample) {
          count(minute, lane, 1);
          context.dropped(record, 'sampled-out');
          return;
        }
        count(minute, lane, 0);
        const sampled: Sampled<V> = {
          value: record.value,
          keptWith: exempt ? keep : sample,
          sampleRate: sample,
          unitSampled: hash < sample,
        };
        context.forward({ ...record, value: sampled }, options.keptChild);
      },
      flush: () => {
        for (const [minuteStartMs, lanes] of ledger)
          for (const [lane, [kept, sampledOut, shed]] of lanes) {
            const entry: SampleLedgerEntry = { minuteStartMs, lane, kept, sampledOut, shed };
            context.forward({ key: lane, value: entry, timestamp: minuteStartMs }, options.ledgerChild);
          }
        ledger.clear();
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
