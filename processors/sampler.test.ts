import type { ProcessorContext } from './api/processor';
import type { StreamRecord } from './api/record';
import type { SampleRates } from './api/processor';
import { samplerProcessor, unitHash, type SampleLedgerEntry, type Sampled } from './sampler';

interface Event {
  viewerId: string;
  tier: 'premium' | 'standard' | 'basic';
  type: 'start' | 'heartbeat' | 'stop';
  watchMs: number;
}

/** Runs records through a sampler with fixed rates; returns what it kept, dropped and put in the ledger. */
function sample(
  events: Event[],
  probabilities: Record<string, number>,
  keeps: Record<string, number> = {},
  timestampOf: (index: number) => number = () => 0,
  rates?: (lane: string) => SampleRates,
) {
  const kept: (Sampled<Event> & { weight: number; timestamp: number })[] = [];
  const dropped: { event: Event; reason: string }[] = [];
  const ledger: SampleLedgerEntry[] = [];
  const context = {
    forward: (record: StreamRecord<string, unknown>, child: string) => {
      if (child === 'kept') {
        const value = record.value as Sampled<Event>;
        kept.push({ ...value, weight: 1 / value.keptWith, timestamp: record.timestamp });
      } else if (child === 'ledger') ledger.push(record.value as SampleLedgerEntry);
      else throw new Error(`forwarded to ${child}`);
    },
    dropped: (record: StreamRecord<string, Event>, reason: string) => dropped.push({ event: record.value, reason }),
    sampleRates: rates ?? ((lane: string) => ({ sample: probabilities[lane] ?? 1, keep: keeps[lane] ?? 1 })),
  } as unknown as ProcessorContext;
  const processor = samplerProcessor<string, Event>({
    laneOf: (event) => event.tier,
    exempt: (event) => event.type !== 'heartbeat',
    unitOf: (event) => event.viewerId,
    keptChild: 'kept',
    ledgerChild: 'ledger',
  })();
  processor.init?.(context);
  events.forEach((value, index) => processor.process({ key: value.viewerId, value, timestamp: timestampOf(index) }));
  processor.flush?.();
  return { kept, dropped, ledger };
}

/** A small seeded generator (mulberry32), so every run of the test sees the same audiences. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An audience of `viewers` basic-tier viewers: a start, a heartbeat per 10 s watched, a stop. */
function audience(seed: number, viewers: number): Event[] {
  const next = random(seed);
  const events: Event[] = [];
  for (let v = 0; v < viewers; v += 1) {
    const viewerId = `run${seed}-viewer${v}`;
    const heartbeats = 1 + Math.floor(next() * 60); // up to 10 minutes
    events.push({ viewerId, tier: 'basic', type: 'start', watchMs: 0 });
    for (let h = 0; h < heartbeats; h += 1)
      events.push({ viewerId, tier: 'basic', type: 'heartbeat', watchMs: 10_000 });
    events.push({ viewerId, tier: 'basic', type: 'stop', watchMs: 0 });
  }
  return events;
}

/** Horvitz–Thompson estimates against the truth over many seeded runs, with the estimator's variance. */
class EstimateTally {
  private readonly truth = { watch: 0, viewers: 0 };
  private readonly estimate = { watch: 0, viewers: 0 };
  private readonly variance = { watch: 0, viewers: 0 };

  /**
   * One run: each kept heartbeat counts its weight; a viewer seen in a kept heartbeat counts 1 / its p.
   * `viewers`: each viewer's true watch time and the probability its heartbeats were kept with.
   */
  add(kept: { value: Event; weight: number; sampleRate: number }[], viewers: Iterable<{ watch: number; p: number }>) {
    this.estimate.watch += kept.reduce((sum, { value, weight }) => sum + value.watchMs * weight, 0);
    const seen = new Map(
      kept
        .filter(({ value }) => value.type === 'heartbeat')
        .map(({ value, sampleRate }) => [value.viewerId, sampleRate]),
    );
    this.estimate.viewers += [...seen.values()].reduce((sum, p) => sum + 1 / p, 0);
    for (const { watch, p } of viewers) {
      this.truth.watch += watch;
      this.truth.viewers += 1;
      // Var(HT total) = Σ (1 − p) / p · y² over the units.
      this.variance.watch += ((1 - p) / p) * watch * watch;
      this.variance.viewers += (1 - p) / p;
    }
  }

  /** The mean of the estimates against the mean truth, within three standard errors of that mean. */
  expectUnbiased(runs: number): void {
    for (const figure of ['watch', 'viewers'] as const)
      expect(Math.abs(this.estimate[figure] - this.truth[figure]) / runs).toBeLessThan(
        (3 * Math.sqrt(this.variance[figure])) / runs,
      );
    // And the bound is tight enough to mean something: within 3 % of the truth.
    expect((3 * Math.sqrt(this.variance.watch)) / this.truth.watch).toBeLessThan(0.03);
  }
}

describe('sampler', () => {
  it('keeps lifecycle events and unsampled lanes whole, and a sampled unit as a whole with weight 1/p', () => {
    const events: Event[] = [];
    for (let v = 0; v < 500; v += 1)
      for (const tier of ['premium', 'basic'] as const) {
        const viewerId = `${tier}-${v}`;
        events.push({ viewerId, tier, type: 'start', watchMs: 0 });
        events.push({ viewerId, tier, type: 'heartbeat', watchMs: 10_000 });
        events.push({ viewerId, tier, type: 'heartbeat', watchMs: 10_000 });
        events.push({ viewerId, tier, type: 'stop', watchMs: 0 });
      }
    const { kept, dropped } = sample(events, { premium: 1, basic: 0.25 });
    // Lifecycle events are never dropped; premium (p = 1) loses nothing.
    expect(
      dropped.every(
        ({ event, reason }) => event.type === 'heartbeat' && event.tier === 'basic' && reason === 'sampled-out',
      ),
    ).toBe(true);
    expect(kept.filter(({ value }) => value.type !== 'heartbeat')).toHaveLength(2_000);
    expect(kept.filter(({ value }) => value.tier === 'premium')).toHaveLength(2_000);
    // A viewer's heartbeats are kept or dropped together, and a kept heartbeat weighs 4.
    const keptViewers = new Set(
      kept.filter(({ value }) => value.type === 'heartbeat').map(({ value }) => value.viewerId),
    );
    for (const { event } of dropped) expect(keptViewers.has(event.viewerId)).toBe(false);
    for (const { value, weight } of kept)
      expect(weight).toBe(value.type === 'heartbeat' && value.tier === 'basic' ? 4 : 1);
    // Kept + dropped = what came in.
    expect(kept.length + dropped.length).toBe(events.length);
  });

  it('sheds whole units, lifecycle events too, and samples only among the units it keeps', () => {
    const events = audience(3, 2_000);
    const { kept, dropped } = sample(events, { basic: 0.2 }, { basic: 0.6 });
    const shed = new Set(dropped.filter(({ reason }) => reason === 'shed').map(({ event }) => event.viewerId));
    const keptUnits = new Set(kept.map(({ value }) => value.viewerId));
    for (const viewer of shed) expect(keptUnits.has(viewer)).toBe(false);
    expect(shed.size / 2_000).toBeGreaterThan(0.35); // about 40 % of the viewers
    expect(shed.size / 2_000).toBeLessThan(0.45);
    for (const { value, keptWith, unitSampled } of kept) {
      if (value.type === 'heartbeat') expect([keptWith, unitSampled]).toEqual([0.2, true]);
      else expect(keptWith).toBe(0.6);
    }
  });

  it('counts every record in the ledger per minute and lane: kept + sampled out + shed = what came in', () => {
    const events = [...audience(5, 400), ...audience(6, 400).map((event) => ({ ...event, tier: 'premium' as const }))];
    const { kept, dropped, ledger } = sample(events, { basic: 0.3 }, { basic: 0.7 }, (index) => index * 10);
    const total = (field: 'kept' | 'sampledOut' | 'shed') => ledger.reduce((sum, entry) => sum + entry[field], 0);
    expect(total('kept')).toBe(kept.length);
    expect(total('sampledOut')).toBe(dropped.filter(({ reason }) => reason === 'sampled-out').length);
    expect(total('shed')).toBe(dropped.filter(({ reason }) => reason === 'shed').length);
    expect(total('kept') + total('sampledOut') + total('shed')).toBe(events.length);
    const minutes = new Set(ledger.map((entry) => entry.minuteStartMs));
    expect([...minutes].every((minute) => minute % 60_000 === 0)).toBe(true);
    expect(minutes.size).toBeGreaterThan(1);
    const premium = ledger.filter((entry) => entry.lane === 'premium');
    expect(premium.every((entry) => entry.sampledOut === 0 && entry.shed === 0)).toBe(true);
  });

  it("fixes a unit's rates for a minute when the unit is first seen in it; a unit new to the minute gets a change at once", () => {
    const early = audience(8, 100); // seen before the controller lowers p
    const late = audience(9, 100); // first seen after it, in the same minute
    const events = [...early, ...late, ...early, ...early];
    const secondMinuteFrom = 2 * early.length + late.length;
    let seen = 0;
    const { kept } = sample(
      events,
      {},
      {},
      (index) => (index < secondMinuteFrom ? 0 : 60_000),
      (lane) => ({ sample: lane === 'basic' && seen++ >= early.length ? 0.25 : 1, keep: 1 }),
    );
    const earlyUnits = new Set(early.map((event) => event.viewerId));
    const ofEarly = kept.filter(({ value }) => earlyUnits.has(value.viewerId));
    const ofLate = kept.filter(({ value }) => !earlyUnits.has(value.viewerId));
    // The early units keep p = 1 through their first minute, also after the change: every record.
    expect(ofEarly.filter(({ timestamp }) => timestamp === 0)).toHaveLength(2 * early.length);
    expect(ofEarly.filter(({ timestamp }) => timestamp === 0).every(({ sampleRate }) => sampleRate === 1)).toBe(true);
    // The late units are sampled at once, and the early ones from their next minute.
    expect(ofLate.length).toBeGreaterThan(0);
    expect(ofLate.every(({ sampleRate }) => sampleRate === 0.25)).toBe(true);
    expect(ofLate.length).toBeLessThan(late.length);
    const earlyNext = ofEarly.filter(({ timestamp }) => timestamp === 60_000);
    expect(earlyNext.every(({ sampleRate }) => sampleRate === 0.25)).toBe(true);
    expect(earlyNext.length).toBeLessThan(early.length);
  });

  it('weighted estimates stay unbiased while the controller lowers p within a minute: over 200 seeded audiences within 3 standard errors', () => {
    const runs = 200;
    const schedule = (index: number, total: number) => (index < total / 3 ? 1 : index < (2 * total) / 3 ? 0.3 : 0.1);
    const tally = new EstimateTally();
    for (let run = 0; run < runs; run += 1) {
      // Viewers arrive over the minute and interleave: each one's events are spread from its arrival on.
      const next = random(run + 1_000);
      const spread = audience(run + 1, 300).map((event, index) => ({ event, step: 0, index }));
      let viewer = '';
      let step = 0;
      for (const item of spread) {
        if (item.event.viewerId !== viewer) [viewer, step] = [item.event.viewerId, Math.floor(next() * 200)];
        item.step = step++;
      }
      const events = spread.sort((a, b) => a.step - b.step || a.index - b.index).map(({ event }) => event);
      let calls = 0;
      const { kept } = sample(
        events,
        {},
        {},
        () => 0,
        (lane) => ({
          sample: lane === 'basic' ? schedule(calls++, events.length) : 1,
          keep: 1,
        }),
      );
      // Each unit's inclusion probability: p when it was first seen.
      const perViewer = new Map<string, { watch: number; p: number }>();
      events.forEach((event, index) => {
        const unit = perViewer.get(event.viewerId) ?? { watch: 0, p: schedule(index, events.length) };
        unit.watch += event.watchMs;
        perViewer.set(event.viewerId, unit);
      });
      tally.add(kept, perViewer.values());
    }
    tally.expectUnbiased(runs);
  }, 60_000);

  it('decides by unit, the same on a replay', () => {
    const events = audience(7, 300);
    const first = sample(events, { basic: 0.3 });
    const again = sample(events, { basic: 0.3 });
    expect(again.kept).toEqual(first.kept);
  });

  it('unit hashes spread evenly over [0, 1)', () => {
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      const bucket = Math.floor(unitHash(`viewer-${i}`) * 10);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(400); // > 4 standard deviations
  });

  it('weighted estimates are unbiased: over 200 seeded audiences the mean estimate of watch time and viewers is within 3 standard errors of the truth', () => {
    const p = 0.2;
    const runs = 200;
    const tally = new EstimateTally();
    for (let run = 0; run < runs; run += 1) {
      const events = audience(run + 1, 300);
      const perViewer = new Map<string, number>();
      for (const event of events) perViewer.set(event.viewerId, (perViewer.get(event.viewerId) ?? 0) + event.watchMs);
      const { kept } = sample(events, { basic: p });
      tally.add(
        kept,
        [...perViewer.values()].map((watch) => ({ watch, p })),
      );
    }
    tally.expectUnbiased(runs);
  }, 60_000);
});
