import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import contentViews, { type CatalogEntry, type TitledViews, type ViewEvent } from './content-views';

const start = (
  sessionId: string,
  contentId: string,
  eventTimeMs: number,
  eventType: ViewEvent['eventType'] = 'start',
) => ({
  key: sessionId,
  value: { sessionId, contentId, eventType, eventTimeMs },
});

describe('content-views topology', () => {
  it('counts starts per content and minute, titled from the catalog, with a final per window', () => {
    const driver = new TopologyTestDriver(contentViews);
    driver.pipeInputs<string, CatalogEntry>('catalog.content', [
      { key: 'c1', value: { contentId: 'c1', title: 'Big Buck Bunny', version: 2 } },
      { key: 'c1', value: { contentId: 'c1', title: 'stale title', version: 1 } },
    ]);
    driver.pipeInputs('playback.events', [
      start('s1', 'c1', 1_000),
      start('s2', 'c1', 2_000),
      start('s1', 'c1', 3_000, 'heartbeat'),
      start('s3', 'c2', 4_000),
    ]);
    driver.advanceWallClockTime(1_000); // rate-limited dashboard updates
    const updates = driver.readOutput<string, TitledViews>('content-views.starts-per-minute').map((r) => r.value);
    expect(updates).toEqual([
      { contentId: 'c1', title: 'Big Buck Bunny', windowStart: 0, starts: 2, final: false },
      { contentId: 'c2', title: null, windowStart: 0, starts: 1, final: false },
    ]);
    driver.pipeInput('playback.events', start('s9', 'c3', 120_000)); // closes minute 0
    const finals = driver.readOutput<string, TitledViews>('content-views.starts-per-minute').map((r) => r.value);
    expect(finals).toEqual([
      { contentId: 'c1', title: 'Big Buck Bunny', windowStart: 0, starts: 2, final: true },
      { contentId: 'c2', title: null, windowStart: 0, starts: 1, final: true },
    ]);
  });
});
