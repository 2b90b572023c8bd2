import { playbackEvent } from '../schemas/testing/playback-event';
import { contentMetadata } from '../schemas/testing/content-metadata';
import { ExpectedCollector } from './expected';

const event = playbackEvent;

describe('ExpectedCollector', () => {
  const collector = new ExpectedCollector();
  collector.add(event({ eventType: 'start', eventTimeMs: 60_000 }));
  collector.add(event({ eventTimeMs: 75_000, positionMs: 15_000 }));
  collector.add(
    event({ sessionId: 's2', viewerId: 'v2', liveEventId: 'final', eventTimeMs: 76_000, region: 'us-east' }),
  );
  const { windows } = collector.result('t');
  const find = (view: string, resolution: string, dimension: string, start: number) =>
    windows.find(
      (w) => w.view === view && w.resolution === resolution && w.dimension === dimension && w.windowStart === start,
    );

  it('keeps one minute per content, region and tier', () => {
    expect(find('content', '1m', 'c1', 60_000)).toMatchObject({ starts: 1, concurrentViewers: 2, watchTimeMs: 15_000 });
    expect(find('content-region', '1m', 'c1|us-east', 60_000)).toMatchObject({
      region: 'us-east',
      concurrentViewers: 1,
    });
    expect(find('content-tier', '1m', 'c1|premium', 60_000)).toMatchObject({ tier: 'premium', concurrentViewers: 2 });
  });

  it('splits the "now" view into 10-second windows', () => {
    expect(find('content', '10s', 'c1', 60_000)).toMatchObject({ starts: 1, concurrentViewers: 1, watchTimeMs: 0 });
    expect(find('content', '10s', 'c1', 70_000)).toMatchObject({ starts: 0, concurrentViewers: 2 });
    expect(windows.filter((w) => w.resolution === '10s')).toHaveLength(2);
  });

  it('counts a live event only from the events that carry it', () => {
    expect(find('live', '1m', 'final', 60_000)).toMatchObject({ contentId: '*', concurrentViewers: 1, starts: 0 });
    expect(windows.filter((w) => w.view === 'live')).toHaveLength(1);
  });
});

describe('ExpectedCollector: every documented figure', () => {
  const collector = new ExpectedCollector();
  collector.add(event({ eventType: 'start', eventTimeMs: 60_000, startupTimeMs: 900, bitrateKbps: 3_000 }));
  collector.add(
    event({ sessionId: 's2', eventType: 'start', eventTimeMs: 61_000, startupTimeMs: 300, bitrateKbps: 0 }),
  );
  collector.add(
    event({
      eventType: 'buffering_end',
      eventTimeMs: 62_000,
      positionMs: 20_000,
      bufferingMs: 500,
      bitrateKbps: 1_000,
    }),
  );
  collector.add(event({ sessionId: 's2', eventType: 'error', errorCode: 'E42', eventTimeMs: 63_000 }));
  const minute = collector.result('t').windows.find((w) => w.view === 'content' && w.resolution === '1m');

  it('computes ratios, percentiles, bitrate and errors by code from the same definitions as the pipeline', () => {
    expect(minute).toMatchObject({
      bufferingRatio: 500 / 20_000,
      sessionsWithRebuffer: 1,
      rebufferRate: 0.5,
      startupTimeP50Ms: 300,
      startupTimeP95Ms: 900,
      errorsByCode: { E42: 1 },
    });
    // Events reporting no bitrate (0) do not count in the mean.
    expect(minute?.avgBitrateKbps).toBeGreaterThan(0);
  });
});

describe('ExpectedCollector with the catalog the pipeline joins', () => {
  const catalog = new Map([
    [
      'c1',
      contentMetadata({
        contentId: 'c1',
        title: 'One',
        genres: ['sport'],
        availability: [{ region: 'eu', startMs: 0, endMs: 65_000 }],
      }),
    ],
  ]);
  const collector = new ExpectedCollector(catalog);
  collector.add(event({ region: 'eu', eventTimeMs: 60_000 })); // licensed
  collector.add(event({ region: 'eu', eventTimeMs: 66_000 })); // the licence ended at 65 s
  collector.add(event({ sessionId: 's2', region: 'us', eventTimeMs: 61_000, liveEventId: 'l1' })); // never licensed
  collector.add(event({ sessionId: 's3', contentId: 'c2', region: 'us', eventTimeMs: 62_000 })); // unknown: not flagged
  const { windows } = collector.result('t');
  const find = (view: string, dimension: string) =>
    windows.find((w) => w.view === view && w.resolution === '1m' && w.dimension === dimension);

  it('expects the title and primary genre on content views, null for content the catalog lacks', () => {
    expect(find('content', 'c1')).toMatchObject({ title: 'One', genre: 'sport' });
    expect(find('content-region', 'c1|eu')).toMatchObject({ title: 'One', genre: 'sport' });
    expect(find('content', 'c2')).toMatchObject({ title: null, genre: null });
    expect(find('live', 'l1')?.title).toBeUndefined();
  });

  it('counts events outside regional rights at their event time', () => {
    expect(find('content', 'c1')?.outsideRightsEvents).toBe(2);
    expect(find('content-region', 'c1|eu')?.outsideRightsEvents).toBe(1);
    expect(find('content-region', 'c1|us')?.outsideRightsEvents).toBe(1);
    expect(find('live', 'l1')?.outsideRightsEvents).toBe(1);
    expect(find('content', 'c2')?.outsideRightsEvents).toBe(0);
  });

  it('expects no titles without a catalog, so runs without one are not checked for them', () => {
    const plain = new ExpectedCollector();
    plain.add(event());
    expect(plain.result('t').windows[0]).toMatchObject({ outsideRightsEvents: 0 });
    expect(plain.result('t').windows[0]?.title).toBeUndefined();
  });
});
