import { ExpectedCollector } from './expected';
import { scenarioSchema } from './scenario';
import { Simulation } from './simulation';
import type { PlaybackEvent } from '../schemas/types.generated';

const run = (overrides: Record<string, unknown>) => {
  const scenario = scenarioSchema.parse({ startMs: 1_800_000_000_000, ...overrides });
  const simulation = new Simulation(scenario);
  const events: PlaybackEvent[] = [];
  for (let second = 0; second < scenario.durationSec; second += 1) simulation.eventsAt(second, (e) => events.push(e));
  return events;
};

describe('Simulation', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = run({ seed: 7, sessions: 500, durationSec: 120 });
    expect(run({ seed: 7, sessions: 500, durationSec: 120 })).toEqual(a);
    expect(run({ seed: 8, sessions: 500, durationSec: 120 })).not.toEqual(a);
  });

  it('keeps every slot emitting once per heartbeat: concurrency equals the session count', () => {
    const events = run({ sessions: 1_000, durationSec: 60, heartbeatSec: 10 });
    const perSecondBucket = new Set(events.filter((e) => e.eventTimeMs < 1_800_000_010_000).map((e) => e.sessionId));
    expect(perSecondBucket.size).toBe(1_000);
    expect(events).toHaveLength(6 * 1_000);
  });

  it('runs session lifecycles: every session that starts inside the run starts once, then stops after its heartbeats', () => {
    const events = run({ sessions: 200, durationSec: 600, minHeartbeats: 3, maxHeartbeats: 5 });
    const bySession = new Map<string, string[]>();
    for (const e of events) bySession.set(e.sessionId, [...(bySession.get(e.sessionId) ?? []), e.eventType]);
    const started = [...bySession.values()].filter((types) => types[0] === 'start');
    expect(started.length).toBeGreaterThan(200);
    for (const types of started.filter((t) => t.includes('stop'))) {
      expect(types.filter((t) => t === 'start')).toHaveLength(1);
      expect(types.at(-1)).toBe('stop');
    }
  });

  it('concentrates viewers on popular titles (Zipf) and multiplies them in a flash crowd', () => {
    const events = run({ sessions: 2_000, durationSec: 60, flashCrowd: { atSec: 30, factor: 10, durationSec: 20 } });
    const viewersOf = (content: string, from: number, to: number) =>
      new Set(
        events
          .filter(
            (e) =>
              e.contentId === content &&
              e.eventTimeMs >= 1_800_000_000_000 + from * 1000 &&
              e.eventTimeMs < 1_800_000_000_000 + to * 1000,
          )
          .map((e) => e.sessionId),
      ).size;
    expect(viewersOf('content-0', 0, 10)).toBeGreaterThan(viewersOf('content-50', 0, 10) * 5);
    expect(viewersOf('content-0', 40, 50)).toBeGreaterThan(viewersOf('content-0', 0, 10) * 10);
  });

  it('has a live event audience that arrives before the start and leaves at the end', () => {
    const events = run({
      sessions: 1_000,
      durationSec: 400,
      liveEvent: { startSec: 120, endSec: 300, share: 0.2, rampSec: 60 },
    });
    const live = events.filter((e) => e.liveEventId === 'live-event-1');
    const seconds = live.map((e) => Math.floor((e.eventTimeMs - 1_800_000_000_000) / 1000));
    expect(Math.min(...seconds)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...seconds)).toBeLessThanOrEqual(310);
    expect(new Set(live.map((e) => e.sessionId)).size).toBe(200);
  });

  it('collects expected figures independently per content and minute', () => {
    const collector = new ExpectedCollector();
    for (const e of run({ sessions: 300, durationSec: 180 })) collector.add(e);
    const { windows, events } = collector.result('t');
    expect(windows.reduce((sum, w) => sum + w.concurrentViewers, 0)).toBeGreaterThan(0);
    expect(events).toBe(run({ sessions: 300, durationSec: 180 }).length);
  });

  it('rejects a bad scenario naming the field', () => {
    expect(() => scenarioSchema.parse({ sessions: 0 })).toThrow(/sessions/);
  });
});
