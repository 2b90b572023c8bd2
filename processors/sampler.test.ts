import type { ProcessorContext } from './api/processor';
import type { StreamRecord } from './api/record';
import { samplerProcessor, unitHash, type Weighted } from './sampler';

interface Event {
  viewerId: string;
  tier: 'premium' | 'standard' | 'basic';
  type: 'start' | 'heartbeat' | 'stop';
  watchMs: number;
}

/** Runs records through a sampler with fixed probabilities; returns what it kept and dropped. */
function sample(events: Event[], probabilities: Record<string, number>) {
  const kept: Weighted<Event>[] = [];
  const dropped: Event[] = [];
  const context = {
    forward: (record: StreamRecord<string, Weighted<Event>>) => kept.push(record.value),
    dropped: (record: StreamRecord<string, Event>, reason: string) => {
      if (reason !== 'sampled-out') throw new Error(`dropped for ${reason}`);
      dropped.push(record.value);
    },
  } as unknown as ProcessorContext<string, Weighted<Event>>;
  const processor = samplerProcessor<string, Event>({
    laneOf: (event) => event.tier,
    exempt: (event) => event.type !== 'heartbeat',
    unitOf: (event) => event.viewerId,
    probability: (lane) => probabilities[lane] ?? 1,
  })();
  processor.init?.(context);
  for (const value of events) processor.process({ key: value.viewerId, value, timestamp: 0 });
  return { kept, dropped };
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
    expect(dropped.every((event) => event.type === 'heartbeat' && event.tier === 'basic')).toBe(true);
    expect(kept.filter(({ value }) => value.type !== 'heartbeat')).toHaveLength(2_000);
    expect(kept.filter(({ value }) => value.tier === 'premium')).toHaveLength(2_000);
    // A viewer's heartbeats are kept or dropped together, and a kept heartbeat weighs 4.
    const keptViewers = new Set(
      kept.filter(({ value }) => value.type === 'heartbeat').map(({ value }) => value.viewerId),
    );
    for (const event of dropped) expect(keptViewers.has(event.viewerId)).toBe(false);
    for (const { value, weight } of kept)
      expect(weight).toBe(value.type === 'heartbeat' && value.tier === 'basic' ? 4 : 1);
    // Kept + dropped = what came in.
    expect(kept.length + dropped.length).toBe(events.length);
  });

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
    let truthWatch = 0;
    let truthViewers = 0;
    let sumWatch = 0;
    let sumViewers = 0;
    let varianceWatch = 0;
    let varianceViewers = 0;
    for (let run = 0; run < runs; run += 1) {
      const events = audience(run + 1, 300);
      const perViewer = new Map<string, number>();
      for (const event of events) perViewer.set(event.viewerId, (perViewer.get(event.viewerId) ?? 0) + event.watchMs);
      const { kept } = sample(events, { basic: p });
      // Horvitz–Thompson: each kept heartbeat counts its weight; a viewer seen in a kept heartbeat counts 1/p.
      const watch = kept.reduce((sum, { value, weight }) => sum + value.watchMs * weight, 0);
      const viewers = new Set(
        kept.filter(({ value }) => value.type === 'heartbeat').map(({ value }) => value.viewerId),
      );
      sumWatch += watch;
      sumViewers += viewers.size / p;
      truthWatch += [...perViewer.values()].reduce((a, b) => a + b, 0);
      truthViewers += perViewer.size;
      // Var(HT total) = (1 − p) / p · Σ y² over the units.
      varianceWatch += ((1 - p) / p) * [...perViewer.values()].reduce((a, y) => a + y * y, 0);
      varianceViewers += ((1 - p) / p) * perViewer.size;
    }
    // The mean of the estimates against the mean truth, within three standard errors of that mean.
    expect(Math.abs(sumWatch - truthWatch) / runs).toBeLessThan((3 * Math.sqrt(varianceWatch)) / runs);
    expect(Math.abs(sumViewers - truthViewers) / runs).toBeLessThan((3 * Math.sqrt(varianceViewers)) / runs);
    // And the bound is tight enough to mean something: within 3 % of the truth.
    expect((3 * Math.sqrt(varianceWatch)) / truthWatch).toBeLessThan(0.03);
  }, 60_000);
});
