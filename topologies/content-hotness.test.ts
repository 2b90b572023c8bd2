import type { HotnessChange } from '../processors/hotness/rank-hotness';
import { TopologyTestDriver } from '../runtime/testing/topology-test-driver';
import { playbackEvent } from '../schemas/testing/playback-event';
import type { ContentHotness } from '../schemas/types.generated';
import contentHotness from './content-hotness';

const T0 = 1_700_000_000_000;

/** `views` session starts of a content in a region, at event time `atMs`. */
const starts = (contentId: string, region: string, views: number, atMs: number) =>
  Array.from({ length: views }, (_, i) => ({
    key: `s-${contentId}-${atMs}-${i}`,
    value: playbackEvent({
      eventId: `${contentId}-${atMs}-${i}`,
      contentId,
      region,
      eventType: 'start',
      eventTimeMs: atMs,
    }),
  }));

/** The latest published hotness per contentId|region. */
function latest(driver: TopologyTestDriver, into = new Map<string, ContentHotness | null>()) {
  for (const record of driver.readOutput<string, ContentHotness | null>('content.hotness'))
    into.set(record.key, record.value);
  return into;
}

describe('content-hotness topology', () => {
  it('ranks contents per region and overall into tiers with TTL hints, and follows a flash crowd', () => {
    const driver = new TopologyTestDriver(contentHotness);
    // 200 contents in EU with a long tail of views; c0 and c1 the most watched.
    for (let i = 0; i < 200; i += 1) driver.pipeInputs('playback.events', starts(`c${i}`, 'EU', 200 - i, T0));
    driver.pipeInputs('playback.events', starts('c5', 'US', 3, T0)); // c5 also plays in the US
    driver.advanceWallClockTime(1_000); // decayed views emitted
    driver.advanceWallClockTime(5_000); // ranked
    const hotness = latest(driver);
    expect(hotness.get('c0|EU')).toMatchObject({ tier: 'top1', rank: 1, score: 1, ttlHintMs: 600_000, asOfMs: T0 });
    expect(hotness.get('c1|*')).toMatchObject({ tier: 'top1', rank: 2 });
    expect(hotness.get('c10|EU')).toMatchObject({ tier: 'top10', ttlHintMs: 120_000 });
    expect(hotness.get('c150|EU')).toMatchObject({ tier: 'tail', ttlHintMs: 30_000 });
    expect(hotness.get('c5|US')).toMatchObject({ tier: 'top1', rank: 1 }); // alone in the US
    expect([...hotness.values()].every((h) => h !== null && h.score >= 0 && h.score <= 1)).toBe(true);
    const sunk = driver.sinkRecords<string, HotnessChange>('hotness').map((r) => r.value);
    expect(sunk.find((change) => change.contentId === 'c0' && change.region === 'EU')?.hotness?.tier).toBe('top1');

    // A flash crowd: c199 (the least watched) gets 1,000 starts a minute later; it is top 1 % at the next ranking.
    driver.pipeInputs('playback.events', starts('c199', 'EU', 1_000, T0 + 60_000));
    driver.advanceWallClockTime(1_000);
    driver.advanceWallClockTime(5_000);
    latest(driver, hotness);
    expect(hotness.get('c199|EU')).toMatchObject({ tier: 'top1', rank: 1, score: 1, asOfMs: T0 + 60_000 });
    expect(hotness.get('c1|EU')).toMatchObject({ tier: 'top10' }); // pushed out of the top 1 % (2 of 200)
  });

  it('views decay by event time: a day later, yesterday’s hit has decayed to nothing and is forgotten', () => {
    const driver = new TopologyTestDriver(contentHotness);
    driver.pipeInputs('playback.events', [
      ...starts('old-hit', 'EU', 50, T0),
      ...starts('new', 'EU', 1, T0 + 86_400_000),
    ]);
    driver.advanceWallClockTime(1_000);
    driver.advanceWallClockTime(5_000);
    const hotness = latest(driver);
    expect(hotness.get('old-hit|EU')).toBeNull(); // 144 half-lives: forgotten, a tombstone on the topic
    const forgotten = driver
      .sinkRecords<string, HotnessChange>('hotness')
      .find((r) => r.value.contentId === 'old-hit' && r.value.region === 'EU');
    expect(forgotten?.value).toEqual({ contentId: 'old-hit', region: 'EU', hotness: null, asOfMs: T0 + 86_400_000 });
    expect(hotness.get('new|EU')).toMatchObject({ tier: 'top1', rank: 1 });
  });
});
