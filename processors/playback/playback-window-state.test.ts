import fc from 'fast-check';
import type { EntryKey } from '../api/entry-logged';
import { playbackEvent } from '../../schemas/testing/playback-event';
import type { PlaybackEvent } from '../../schemas/types.generated';
import { addEvent, emptyStats, summarize, type PlaybackSummary } from './playback-stats';
import { PlaybackWindowState } from './playback-window-state';

/** The reference: the plain fold of the definitions over the events of one dimension. */
function reference(events: readonly PlaybackEvent[]): PlaybackSummary {
  const stats = emptyStats();
  for (const event of events) addEvent(stats, event);
  return summarize(stats);
}

function referenceBreakdown(events: readonly PlaybackEvent[], field: 'region' | 'viewerTier') {
  const groups = new Map<string, PlaybackEvent[]>();
  for (const event of events) {
    const group = groups.get(event[field]) ?? [];
    group.push(event);
    groups.set(event[field], group);
  }
  return Object.fromEntries([...groups].map(([value, group]) => [value, reference(group)]));
}

function summaries(state: PlaybackWindowState) {
  return {
    all: state.summary(),
    region: Object.fromEntries(state.breakdownSummaries('region')),
    tier: Object.fromEntries(state.breakdownSummaries('tier')),
  };
}

/** A compacted changelog: the latest value of each entry, as Kafka keeps it (undefined: tombstoned). */
class CompactedLog {
  readonly latest = new Map<string, [EntryKey, unknown]>();
  readonly records: [EntryKey, unknown][] = [];

  drain(state: PlaybackWindowState): number {
    let count = 0;
    for (const [key, value] of state.takeChangedEntries()) {
      // Through a copy, as the changelog's bytes would be: the state keeps mutating its own objects.
      const copy = value === undefined ? undefined : (structuredClone(value) as unknown);
      this.latest.set(JSON.stringify(key), [key, copy]);
      this.records.push([key, copy]);
      count += 1;
    }
    return count;
  }

  restore(from: Iterable<[EntryKey, unknown]>, breakdowns: boolean): PlaybackWindowState {
    const state = new PlaybackWindowState({ breakdowns });
    for (const [key, value] of from) state.restoreEntry(key, structuredClone(value));
    return state;
  }
}

const events = fc.array(
  fc.record({
    sessionId: fc.constantFrom('s1', 's2', 's3', 's4', 's5'),
    viewerId: fc.constantFrom('v1', 'v2', 'v3'),
    eventType: fc.constantFrom('start', 'heartbeat', 'buffering_end', 'stop', 'error', 'seek'),
    positionMs: fc.integer({ min: 0, max: 120_000 }),
    bitrateKbps: fc.constantFrom(0, 1_500, 3_000, 6_000),
    bufferingMs: fc.integer({ min: 0, max: 5_000 }),
    startupTimeMs: fc.option(fc.integer({ min: 200, max: 3_000 }), { nil: null }),
    errorCode: fc.option(fc.constantFrom('DRM', 'NET'), { nil: null }),
    // A session normally stays in one region and tier; any mix must still be exact.
    region: fc.constantFrom('eu', 'us', 'apac'),
    viewerTier: fc.constantFrom('premium', 'free'),
    outsideRights: fc.boolean(),
  }),
  { maxLength: 80 },
);

describe('PlaybackWindowState: the definitions kept incrementally, logged entry by entry', () => {
  it('equals the reference fold in total and per region and tier, for any events', () => {
    fc.assert(
      fc.property(events, (overrides) => {
        const all = overrides.map((o) => ({
          ...playbackEvent(o as Partial<PlaybackEvent>),
          outsideRights: o.outsideRights,
        }));
        const state = new PlaybackWindowState({ breakdowns: true });
        const plain = new PlaybackWindowState({ breakdowns: false });
        for (const event of all) {
          state.add(event);
          plain.add(event);
        }
        expect(plain.summary()).toEqual(reference(all));
        expect(plain.breakdownSummaries('region')).toEqual([]);
        expect(summaries(state)).toEqual({
          all: reference(all),
          region: referenceBreakdown(all, 'region'),
          tier: referenceBreakdown(all, 'viewerTier'),
        });
      }),
    );
  });

  it('restored from its compacted changelog or from every record, after commits at any points, equals the original and continues the same', () => {
    fc.assert(
      fc.property(events, events, fc.array(fc.nat(80)), fc.boolean(), (before, after, commitPoints, breakdowns) => {
        const first = before.map((o) => ({
          ...playbackEvent(o as Partial<PlaybackEvent>),
          outsideRights: o.outsideRights,
        }));
        const state = new PlaybackWindowState({ breakdowns });
        const log = new CompactedLog();
        const commits = new Set(commitPoints);
        first.forEach((event, i) => {
          state.add(event);
          if (commits.has(i)) log.drain(state);
        });
        log.drain(state);
        for (const restored of [log.restore(log.latest.values(), breakdowns), log.restore(log.records, breakdowns)]) {
          expect(summaries(restored)).toEqual(summaries(state));
          const rest = after.map((o) => ({
            ...playbackEvent(o as Partial<PlaybackEvent>),
            outsideRights: o.outsideRights,
          }));
          const original = new PlaybackWindowState({ breakdowns });
          for (const event of [...first, ...rest]) original.add(event);
          for (const event of rest) restored.add(event);
          expect(summaries(restored)).toEqual(summaries(original));
        }
      }),
    );
  });

  it('logs only what changed since the last commit: one heartbeat changes its session and the counters it touched', () => {
    const state = new PlaybackWindowState({ breakdowns: true });
    for (let i = 0; i < 1_000; i += 1)
      state.add(playbackEvent({ sessionId: `s${i}`, viewerId: `v${i}`, positionMs: i }));
    const log = new CompactedLog();
    expect(log.drain(state)).toBe(1 + 1 + 1 + 1_000 + 1_000); // total, eu, premium, sessions, viewers
    state.add(playbackEvent({ sessionId: 's7', viewerId: 'v7', positionMs: 5_000 }));
    expect([...state.takeChangedEntries()].map(([key]) => key)).toEqual([
      ['c'],
      ['c', 'region', 'eu'],
      ['c', 'tier', 'premium'],
      ['s', 's7'],
    ]);
    expect([...state.takeChangedEntries()]).toEqual([]);
  });

  it('refuses an entry it does not know (a changelog of another store)', () => {
    const state = new PlaybackWindowState({ breakdowns: false });
    expect(() => state.restoreEntry(['z'], 1)).toThrow(/unknown entry kind z/);
  });
});
