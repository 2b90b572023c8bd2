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
/**
 * How far behind the newest minute (in event time) the units' rates are remembered: beyond any
 * lane drift and the default graces. A record older than that is decided with the rates of the
 * moment, as if its unit were new in its minute.
 */
const REMEMBERED_MINUTES = 10;

/**
 * One lane in one minute of event time: the rates in force each time a unit of the lane was first
 * seen in the minute, and which of them each unit keeps. Units are keyed by their 32-bit hash, not
 * their id: a few bytes each, at a flash crowd's hundreds of thousands of viewers a minute; two
 * units of one hash also share every decision, so sharing their rates changes nothing.
 */
class LaneMinute {
  private readonly epochs: SampleRates[] = [];
  private readonly epochOfUnit = new Map<number, number>();

  ratesOf(unit: number, current: SampleRates): SampleRates {
    const known = this.epochOfUnit.get(unit);
    if (known !== undefined) return this.epochs[known] as SampleRates;
    let epoch = this.epochs.length - 1;
    const last = this.epochs[epoch];
    if (!last || last.sample !== current.sample || last.keep !== current.keep) {
      this.epochs.push({ sample: current.sample, keep: current.keep });
      epoch += 1;
    }
    this.epochOfUnit.set(unit, epoch);
    return this.epochs[epoch] as SampleRates;
  }
}

/**
 * Samples and sheds records by unit. The decision is a hash of the unit against the lane's rates,
 * not a random draw: a unit is in or out as a whole, and sampling is nested in shedding (a unit
 * below p is below q). A unit's rates are fixed for each minute of event time the first time the
 * unit is seen in it, so within a window (1 minute or less, minute-aligned) every record of a unit
 * is decided alike — its session's watch time is whole or absent, never cut — and its weights are
 * exact; a change of the controller applies at once to the units not yet seen in the minute (the
 * newcomers of a flash crowd above all), and to every unit from the next minute.
 * Nothing is silently lost: every record is counted per minute and lane as kept, sampled out or
 * shed, and the counts go to the ledger child at every commit, inside the commit's transaction (a
 * crash loses the uncommitted counts together with the offsets that replay them). Sampled-out and
 * shed records are also reported as dropped, per reason, for the metrics.
 */
export function samplerProcessor<K, V>(options: SamplerOptions<V>): ProcessorSupplier<K, V, unknown, unknown> {
  return () => {
    let context: ProcessorContext<unknown, unknown>;
    /** minute → lane → its units' rates. */
    const minutes = new Map<number, Map<string, LaneMinute>>();
    let newestMinute = Number.NEGATIVE_INFINITY;
    /** minute → lane → [kept, sampled out, shed] since the last commit. */
    const ledger = new Map<number, Map<string, [number, number, number]>>();

    const laneMinute = (minute: number, lane: string): LaneMinute => {
      let lanes = minutes.get(minute);
      if (!lanes) {
        minutes.set(minute, (lanes = new Map()));
        if (minute > newestMinute) {
          newestMinute = minute;
          for (const old of minutes.keys()) if (old < minute - REMEMBERED_MINUTES * MINUTE_MS) minutes.delete(old);
        }
      }
      let rates = lanes.get(lane);
      if (!rates) lanes.set(lane, (rates = new LaneMinute()));
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
        const unit = unitHash32(options.unitOf(record.value));
        const { sample, keep } = laneMinute(minute, lane).ratesOf(unit, context.sampleRates(lane));
        const exempt = options.exempt(record.value);
        const hash = unit / 0x1_0000_0000;
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

/** A unit's place in [0, 1). */
export function unitHash(unit: string): number {
  return unitHash32(unit) / 0x1_0000_0000;
}

/** A unit's 32-bit hash: FNV-1a over its UTF-16 code units, then a murmur3 finalizer to spread it. */
function unitHash32(unit: string): number {
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
  return hash >>> 0;
}
