import { playbackEvent } from '../../schemas/testing/playback-event';
import type { PlaybackEvent } from '../../schemas/types.generated';
import { addEvent, emptyStats, percentile, summarize } from './playback-stats';

const event = playbackEvent;

describe('playback stats, the reference fold of the definitions', () => {
  it('computes every figure of the definitions from a small session mix', () => {
    const stats = emptyStats();
    const events: (Partial<PlaybackEvent> & { outsideRights?: boolean })[] = [
      { sessionId: 's1', viewerId: 'v1', eventType: 'start', positionMs: 0, startupTimeMs: 800, bitrateKbps: 3_000 },
      { sessionId: 's1', viewerId: 'v1', eventType: 'heartbeat', positionMs: 20_000, bitrateKbps: 5_000 },
      { sessionId: 's1', viewerId: 'v1', eventType: 'buffering_end', positionMs: 20_000, bufferingMs: 1_000 },
      { sessionId: 's2', viewerId: 'v1', eventType: 'start', positionMs: 5_000, startupTimeMs: 1_200 },
      { sessionId: 's2', viewerId: 'v1', eventType: 'heartbeat', positionMs: 35_000, bitrateKbps: 4_000 },
      { sessionId: 's3', viewerId: 'v2', eventType: 'error', positionMs: 0, errorCode: 'DRM' },
      { sessionId: 's3', viewerId: 'v2', eventType: 'stop', positionMs: 0, outsideRights: true },
    ];
    for (const { outsideRights, ...overrides } of events) addEvent(stats, { ...event(overrides), outsideRights });
    expect(summarize(stats)).toEqual({
      starts: 2,
      stops: 1,
      concurrentViewers: 3,
      uniqueViewers: 2,
      watchTimeMs: 20_000 + 30_000,
      bufferingMs: 1_000,
      bufferingRatio: 1_000 / 50_000,
      sessionsWithRebuffer: 1,
      rebufferRate: 1 / 3,
      startupTimeP50Ms: 800,
      startupTimeP95Ms: 1_200,
      avgBitrateKbps: 4_000,
      errors: 1,
      errorsByCode: { DRM: 1 },
      outsideRightsEvents: 1,
    });
  });

  it('is zero-safe for an empty window', () => {
    expect(summarize(emptyStats())).toMatchObject({
      bufferingRatio: 0,
      rebufferRate: 0,
      startupTimeP50Ms: null,
      avgBitrateKbps: 0,
    });
  });

  it('survives a JSON round trip (the changelog) and continues the same', () => {
    const stats = addEvent(emptyStats(), event({ sessionId: 'a', positionMs: 10 }));
    const restored = JSON.parse(JSON.stringify(stats)) as typeof stats;
    addEvent(restored, event({ sessionId: 'a', positionMs: 70 }));
    expect(summarize(restored).watchTimeMs).toBe(60);
  });

  it('takes nearest-rank percentiles', () => {
    expect(percentile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 0.95)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
  });
});
