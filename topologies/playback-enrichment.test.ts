import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import { contentMetadata } from '../schemas/testing/content-metadata';
import { playbackEvent } from '../schemas/testing/playback-event';
import type { PlaybackMinuteRollup } from '../schemas/types.generated';
import playbackAnalytics from './playback-analytics';
import playbackHistory from './playback-history';

/**
 * Playback analytics joins the catalog: every content aggregate carries the title and primary
 * genre, and an event from a region where the content was not available at its time is counted
 * outside rights — in the Redis views and the rollups of the real-time path, and in the raw rows and
 * rollup rows of the historical path (playback-history), which stores what the real-time path publishes.
 */
const minute = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);

const catalog = [
  {
    key: 'c1',
    value: contentMetadata({
      contentId: 'c1',
      title: 'The Long Night',
      genres: ['thriller', 'drama'],
      // eu plays it until 30 s into the minute; us always; apac never.
      availability: [
        { region: 'eu', startMs: 0, endMs: minute + 30_000 },
        { region: 'us', startMs: 0, endMs: null },
      ],
    }),
  },
];

function run(topology: typeof playbackAnalytics) {
  const driver = new TopologyTestDriver(topology, { wallClockStartMs: 0 });
  driver.pipeInputs('catalog.content', catalog);
  const events = [
    { sessionId: 's1', region: 'eu', second: 10 }, // inside rights
    { sessionId: 's1', region: 'eu', second: 40 }, // the licence ended at 30 s
    { sessionId: 's2', region: 'us', second: 20 },
    { sessionId: 's3', region: 'apac', second: 25 }, // never licensed
    { sessionId: 's4', region: 'apac', second: 26, contentId: 'unknown' }, // no catalog entry: not flagged
  ];
  driver.pipeInputs(
    'playback.events',
    events.map(({ sessionId, region, second, contentId }, i) => ({
      key: sessionId,
      value: playbackEvent({
        eventId: `e${i}`,
        sessionId,
        contentId: contentId ?? 'c1',
        region,
        eventTimeMs: minute + second * 1_000,
      }),
    })),
  );
  // A later event closes the minute (past its 30 s grace), so its rollups are written.
  driver.pipeInputs('playback.events', [
    {
      key: 'late',
      value: playbackEvent({ eventId: 'closer', contentId: 'c1', region: 'us', eventTimeMs: minute + 200_000 }),
    },
  ]);
  driver.commit();
  return driver;
}

type Aggregate = { title: string | null; genre: string | null; outsideRightsEvents: number };
type Row = Record<string, unknown>;

describe('playback analytics with the catalog', () => {
  const driver = run(playbackAnalytics);
  const latest = <V>(sink: string, dimension: string, start = minute) =>
    driver
      .sinkRecords<{ key: string; start: number }, V>(sink)
      .filter((record) => record.key.key === dimension && record.key.start === start)
      .at(-1)?.value;

  it('titles every content aggregate in Redis, and counts events outside rights per content and region', () => {
    expect(latest<Aggregate>('content-1m', 'c1')).toMatchObject({
      title: 'The Long Night',
      genre: 'thriller',
      outsideRightsEvents: 2,
    });
    expect(latest<Aggregate>('content-region-1m', 'c1|eu')).toMatchObject({
      title: 'The Long Night',
      outsideRightsEvents: 1,
    });
    expect(latest<Aggregate>('content-region-1m', 'c1|us')).toMatchObject({ outsideRightsEvents: 0 });
    expect(latest<Aggregate>('content-region-1m', 'c1|apac')).toMatchObject({ outsideRightsEvents: 1 });
    expect(latest<Aggregate>('content-10s', 'c1', minute + 40_000)).toMatchObject({
      title: 'The Long Night',
      outsideRightsEvents: 1,
    });
    expect(latest<Aggregate>('content-1m', 'unknown')).toMatchObject({
      title: null,
      genre: null,
      outsideRightsEvents: 0,
    });
  });

  it('publishes the title, genre and outside-rights count in the rollup of each minute', () => {
    const rollups = driver.readOutput<string, PlaybackMinuteRollup>('playback.minute-rollups').map((r) => r.value);
    expect(rollups.find((r) => r.contentId === 'c1' && r.region === '*' && r.viewerTier === '*')).toMatchObject({
      windowStartMs: minute,
      title: 'The Long Night',
      genre: 'thriller',
      outsideRightsEvents: 2,
    });
    expect(rollups.find((r) => r.contentId === 'unknown')).toMatchObject({ title: null, genre: null });
  });
});

describe('playback history (the historical path)', () => {
  const rollups = run(playbackAnalytics).readOutput<string, PlaybackMinuteRollup>('playback.minute-rollups');
  const history = run(playbackHistory);
  history.pipeInputs('playback.minute-rollups', rollups);
  history.commit();

  it('writes each raw event with its outside-rights flag', () => {
    const raw = history
      .sinkRecords<string, Row>('playback_events')
      .map((record) => [record.value.event_id, record.value.outside_rights]);
    expect(raw.sort()).toEqual([
      ['closer', 0],
      ['e0', 0],
      ['e1', 1],
      ['e2', 0],
      ['e3', 1],
      ['e4', 0],
    ]);
  });

  it('stores every published rollup as a playback_minute row, titled', () => {
    const rows = history.sinkRecords<string, Row>('playback_minute').map((record) => record.value);
    expect(rows).toHaveLength(rollups.length);
    expect(rows.find((row) => row.content_id === 'c1' && row.region === '*' && row.viewer_tier === '*')).toMatchObject({
      window_start: minute / 1000,
      title: 'The Long Night',
      genre: 'thriller',
      outside_rights_events: 2,
      written_at: minute / 1000 + 60,
    });
    expect(rows.find((row) => row.content_id === 'unknown')).toMatchObject({ title: '', genre: '' });
  });
});
