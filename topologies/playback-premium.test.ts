import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import { contentMetadata } from '../schemas/testing/content-metadata';
import { playbackEvent } from '../schemas/testing/playback-event';
import type { PlaybackEvent } from '../schemas/types.generated';
import playbackAnalytics from './playback-analytics';
import playbackPremium from './playback-premium';

/**
 * Premium's own view counts what the all-tier path counts of premium: the same events give
 * `content-premium` the figures playback-analytics gives `content-tier`'s premium entries — through one
 * hop, since the premium lane is keyed by content.
 */
const minute = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);

const catalog = [
  {
    key: 'c1',
    value: contentMetadata({
      contentId: 'c1',
      title: 'The Long Night',
      availability: [{ region: 'eu', startMs: 0, endMs: minute + 30_000 }],
    }),
  },
];

/** Two premium viewers on c1 in eu (whose rights end 30 s into the minute), one on c2; starts, heartbeats and a stop. */
type Row = Pick<PlaybackEvent, 'sessionId' | 'viewerId' | 'contentId' | 'eventType'> & {
  second: number;
  position: number;
  startup?: number;
};
const rows: Row[] = [
  { sessionId: 's1', viewerId: 'v1', contentId: 'c1', eventType: 'start', second: 5, position: 0, startup: 800 },
  { sessionId: 's1', viewerId: 'v1', contentId: 'c1', eventType: 'heartbeat', second: 15, position: 10_000 },
  { sessionId: 's1', viewerId: 'v1', contentId: 'c1', eventType: 'heartbeat', second: 45, position: 40_000 },
  { sessionId: 's2', viewerId: 'v2', contentId: 'c1', eventType: 'start', second: 20, position: 0, startup: 1_200 },
  { sessionId: 's2', viewerId: 'v2', contentId: 'c1', eventType: 'stop', second: 50, position: 30_000 },
  { sessionId: 's3', viewerId: 'v1', contentId: 'c2', eventType: 'heartbeat', second: 30, position: 90_000 },
];
const events: PlaybackEvent[] = rows.map(({ second, position, startup, ...event }, index) =>
  playbackEvent({
    ...event,
    eventId: `e${index}`,
    eventTimeMs: minute + second * 1_000,
    positionMs: position,
    startupTimeMs: startup ?? null,
    viewerTier: 'premium',
  }),
);

type Summary = Record<string, unknown>;

function latestOf(driver: TopologyTestDriver, sink: string): Map<string, Summary> {
  const latest = new Map<string, Summary>();
  for (const record of driver.sinkRecords<{ key: string; start: number }, Summary>(sink))
    latest.set(`${record.key.key}@${record.key.start}`, record.value);
  return latest;
}

describe('playback-premium topology', () => {
  it('gives content-premium the figures playback-analytics gives content-tier for premium', () => {
    const premium = new TopologyTestDriver(playbackPremium, { wallClockStartMs: 0 });
    premium.pipeInputs('catalog.content', catalog);
    premium.pipeInputs(
      'playback.events.premium',
      events.map((event) => ({ key: event.contentId, value: event })),
    );
    premium.advanceWallClockTime(1_000); // rate-limited dashboard updates
    const all = new TopologyTestDriver(playbackAnalytics, { wallClockStartMs: 0 });
    all.pipeInputs('catalog.content', catalog);
    all.pipeInputs(
      'playback.events',
      events.map((event) => ({ key: event.sessionId, value: event })),
    );
    all.advanceWallClockTime(1_000);

    const own = latestOf(premium, 'content-premium-1m');
    const shared = latestOf(all, 'content-tier-1m');
    expect([...own.keys()].sort()).toEqual([`c1@${minute}`, `c2@${minute}`]);
    for (const [window, summary] of own) {
      const [contentId, start] = window.split('@');
      expect(summary).toEqual(shared.get(`${contentId}|premium@${start}`));
    }
    expect(own.get(`c1@${minute}`)).toMatchObject({
      starts: 2,
      stops: 1,
      concurrentViewers: 2,
      uniqueViewers: 2,
      watchTimeMs: 70_000,
      outsideRightsEvents: 2, // at 45 s and 50 s, after eu's rights ended
      title: 'The Long Night',
    });
  });

  it('reads its lane where it is, without a repartition, and commits every 20 ms in a process of its own', () => {
    expect(playbackPremium.sourceTopics).toContain('playback.events.premium');
    expect(playbackPremium.internalTopics.filter((topic) => topic.endsWith('-repartition'))).toEqual([]);
    expect(playbackPremium.service).toBe('priority');
    expect(playbackPremium.commitIntervalMs).toBe(20);
  });

  it('sends a record not keyed by its content id to the DLQ, naming both ids, and counts the rest', () => {
    const driver = new TopologyTestDriver(playbackPremium, { wallClockStartMs: 0 });
    driver.pipeInputs('playback.events.premium', [
      { key: 'c1', value: events[0] as PlaybackEvent },
      { key: 's2', value: events[3] as PlaybackEvent },
    ]);
    driver.advanceWallClockTime(1_000);
    expect(driver.deadLetters()).toEqual([
      expect.objectContaining({
        kind: 'error',
        node: 'require-content-key',
        reason: expect.stringContaining('premium lane record keyed "s2", not by its content id "c1"'),
      }),
    ]);
    expect(latestOf(driver, 'content-premium-1m').get(`c1@${minute}`)).toMatchObject({ starts: 1 });
  });
});
