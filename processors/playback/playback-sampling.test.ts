import type { EntryKey } from '../api/entry-logged';
import type { ProcessorContext } from '../api/processor';
import type { StreamRecord } from '../api/record';
import { samplerProcessor, type Sampled } from '../sampler';
import { playbackEvent } from '../../schemas/testing/playback-event';
import type { PlaybackEvent } from '../../schemas/types.generated';
import { parseShedPolicy, PLAYBACK_SAMPLING, sampleMarkOf } from './playback-sampling';
import type { PlaybackSummary } from './playback-stats';
import { PlaybackWindowState } from './playback-window-state';

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One minute of one content: basic and premium viewers, some starting and stopping within the
 * minute, some watching through it (heartbeats only), some with a rebuffer or an error.
 */
function minuteOfPlayback(seed: number, viewers: number): PlaybackEvent[] {
  const next = random(seed);
  const events: PlaybackEvent[] = [];
  for (let v = 0; v < viewers; v += 1) {
    const viewerId = `r${seed}-v${v}`;
    const sessions = next() < 0.2 ? 2 : 1;
    for (let s = 0; s < sessions; s += 1) {
      const base = {
        viewerId,
        sessionId: `${viewerId}-s${s}`,
        viewerTier: next() < 0.2 ? 'premium' : 'basic',
      } as const;
      const starts = next() < 0.4;
      let position = starts ? 0 : Math.floor(next() * 3_600_000);
      const heartbeats = 1 + Math.floor(next() * 6);
      if (starts)
        events.push(
          playbackEvent({
            ...base,
            eventType: 'start',
            positionMs: position,
            startupTimeMs: 300 + Math.floor(next() * 2_000),
          }),
        );
      for (let h = 0; h < heartbeats; h += 1) {
        position += 10_000;
        events.push(
          playbackEvent({
            ...base,
            eventType: 'heartbeat',
            positionMs: position,
            bitrateKbps: 3_000 + Math.floor(next() * 3_000),
          }),
        );
        if (next() < 0.05)
          events.push(
            playbackEvent({
              ...base,
              eventType: 'buffering_end',
              positionMs: position,
              bufferingMs: 500 + Math.floor(next() * 2_000),
            }),
          );
      }
      if (next() < 0.3) events.push(playbackEvent({ ...base, eventType: 'stop', positionMs: position }));
    }
  }
  return events;
}

/** The window's summary after the events went through a sampler at rates p (sample) and q (keep) for basic. */
function sampledSummary(events: readonly PlaybackEvent[], sample: number, keep: number): PlaybackSummary {
  const state = new PlaybackWindowState({ breakdowns: true });
  const context = {
    forward: (record: StreamRecord<string, unknown>, child: string) => {
      if (child !== 'kept') return;
      const sampled = record.value as Sampled<PlaybackEvent>;
      state.add(sampled.value, sampleMarkOf(sampled));
    },
    dropped: () => undefined,
    sampleRates: (lane: string) => (lane === 'basic' ? { sample, keep } : { sample: 1, keep: 1 }),
  } as unknown as ProcessorContext;
  const sampler = samplerProcessor<string, PlaybackEvent>({
    ...PLAYBACK_SAMPLING,
    keptChild: 'kept',
    ledgerChild: 'ledger',
  })();
  sampler.init?.(context);
  for (const event of events) sampler.process({ key: event.sessionId, value: event, timestamp: 0 });
  return state.summary();
}

const FIGURES = [
  'starts',
  'stops',
  'watchTimeMs',
  'concurrentViewers',
  'uniqueViewers',
  'bufferingMs',
  'sessionsWithRebuffer',
] as const;

describe('sampled playback windows', () => {
  it('equal the exact window when nothing is sampled', () => {
    const events = minuteOfPlayback(1, 500);
    const exact = new PlaybackWindowState({ breakdowns: true });
    for (const event of events) exact.add(event);
    expect(sampledSummary(events, 1, 1)).toEqual(exact.summary());
  });

  it.each([
    ['sampling', 0.2, 1, ['starts', 'stops', 'bufferingMs', 'sessionsWithRebuffer']],
    ['sampling and shedding', 0.15, 0.5, []],
  ])(
    'are unbiased under %s: over 150 seeded minutes each weighted estimate averages within 3 standard errors of the truth',
    (_case, sample, keep, exactFigures: string[]) => {
      const runs = 150;
      const sums = Object.fromEntries(FIGURES.map((figure) => [figure, { estimate: 0, truth: 0, squares: 0 }]));
      for (let run = 0; run < runs; run += 1) {
        const events = minuteOfPlayback(run + 100, 400);
        const exact = new PlaybackWindowState({ breakdowns: true });
        for (const event of events) exact.add(event);
        const truth = exact.summary();
        const estimate = sampledSummary(events, sample, keep);
        for (const figure of FIGURES) {
          const sum = sums[figure] as { estimate: number; truth: number; squares: number };
          sum.estimate += estimate[figure];
          sum.truth += truth[figure];
          sum.squares += (estimate[figure] - truth[figure]) ** 2;
        }
      }
      for (const figure of FIGURES) {
        const { estimate, truth, squares } = sums[figure] as { estimate: number; truth: number; squares: number };
        const standardError = Math.sqrt(squares / runs) / Math.sqrt(runs);
        const bias = Math.abs(estimate - truth) / runs;
        expect({ figure, withinThreeStandardErrors: bias <= 3 * standardError }).toEqual({
          figure,
          withinThreeStandardErrors: true,
        });
        // Lifecycle counts stay exact while only heartbeats are sampled; the rest is estimated, not
        // copied (a single minute's error is real), and its mean still within 2 %.
        if (exactFigures.includes(figure)) expect({ figure, squares }).toEqual({ figure, squares: 0 });
        else expect(squares).toBeGreaterThan(0);
        expect(bias / (truth / runs)).toBeLessThan(0.02);
      }
    },
    60_000,
  );

  it('restored from its changelog, a sampled window equals the original and continues the same', () => {
    const events = minuteOfPlayback(9, 300);
    const half = events.length / 2;
    const marks = events.map((event, index) =>
      index % 3 === 0 ? { keptWith: 0.5, rangeWeight: 4 } : { keptWith: 0.25, rangeWeight: 4 },
    );
    const original = new PlaybackWindowState({ breakdowns: true });
    const log = new Map<string, [EntryKey, unknown]>();
    events.slice(0, half).forEach((event, index) => original.add(event, marks[index]));
    for (const [key, value] of original.takeChangedEntries())
      log.set(JSON.stringify(key), [key, structuredClone(value)]);
    const restored = new PlaybackWindowState({ breakdowns: true });
    for (const [key, value] of log.values()) restored.restoreEntry(key, structuredClone(value));
    expect(restored.summary()).toEqual(original.summary());
    events.slice(half).forEach((event, index) => {
      original.add(event, marks[half + index]);
      restored.add(event, marks[half + index]);
    });
    expect(restored.summary()).toEqual(original.summary());
    expect(restored.breakdownSummaries('tier')).toEqual(original.breakdownSummaries('tier'));
  });

  it('reads the shedding policy and refuses one that names premium, an unknown tier or a share of 1', () => {
    expect(parseShedPolicy('basic:0.5, standard:0.2')).toEqual([
      { lane: 'basic', maxShedShare: 0.5 },
      { lane: 'standard', maxShedShare: 0.2 },
    ]);
    expect(parseShedPolicy('none')).toEqual([]);
    expect(() => parseShedPolicy('premium:0.1')).toThrow(/premium is never shed/);
    expect(() => parseShedPolicy('gold:0.1')).toThrow(/"gold" is not a viewer tier/);
    expect(() => parseShedPolicy('basic:1')).toThrow(/"basic:1" is not <tier>:<share below 1>/);
  });
});
