import { playbackEvent } from '../schemas/testing/playback-event';
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
