import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DLQ_HEADERS } from '../../runtime/dlq/dead-letter-message';
import { playbackEvent } from '../../schemas/testing/playback-event';
import { PlaybackRuns } from '../helpers/playback-run';
import { testConfig } from '../helpers/stack';

/**
 * No record can stop the pipeline: poison records in the middle of a real backlog, taken by
 * `reelstream run playback-analytics` itself. Each goes to the DLQ through the runtime's own path
 * with its reason and its source coordinates — whether decoding refuses it, event time does, or a
 * sink does — the processor stays up, and every good event's results are exact.
 */
const runs = new PlaybackRuns(testConfig());

afterAll(() => runs.cleanup());

it('sends undecodable, oversized, future and sink-refused records to the DLQ and stays exact on the rest', async () => {
  const run = await runs.prepare('dlq_poison');
  const admin = await runs.adminClient();
  // The source accepts a 1.5 MiB record; a DLQ limited to the broker's 1 MiB default could not take it.
  await admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: 2, name: run.topic, configEntries: [{ name: 'max.message.bytes', value: String(4 << 20) }] }],
  });
  // At the backlog's latest event time: their windows are still open when they arrive after it.
  const at = run.expected.lastEventTimeMs;
  const [colon, spaced, future] = await runs.encode(run, [
    // The Redis key builder refuses ':' in a key part: every Redis view of this content refuses it.
    playbackEvent({
      eventId: 'p1',
      sessionId: 'p1',
      contentId: `${run.run}:poison`,
      liveEventId: null,
      eventTimeMs: at,
    }),
    // A region with a space: the per-region view refuses it; the others take it.
    playbackEvent({
      eventId: 'p2',
      sessionId: 'p2',
      contentId: `${run.run}-poison`,
      region: 'us east',
      liveEventId: null,
      eventTimeMs: at,
    }),
    // A device clock ten years ahead.
    playbackEvent({ eventId: 'p3', sessionId: 'p3', eventTimeMs: Date.now() + 10 * 365 * 86_400_000 }),
  ]);
  const undecodable = Buffer.from('not avro at all');
  const oversized = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), Buffer.alloc(1_536 * 1024, 1)]);
  await runs.produce(run, [colon as Buffer, spaced as Buffer, future as Buffer, undecodable, oversized], 'poison');

  const processor = runs.start(run, join(tmpdir(), `${run.app}.log`));
  await runs.waitUntilCaughtUp(run);
  const closers = await runs.closeWindows(run);
  await runs.waitUntilCaughtUp(run);
  expect(processor.running()).toBe(true);
  await processor.stop('SIGTERM');

  const letters = await runs.deadLetters(run);
  const reasonOf = (letter: (typeof letters)[number]) => letter.headers[DLQ_HEADERS.reason];
  // Decoding and event time refuse a source record: its own key and coordinates.
  const bySourceKey = (key: string) => letters.filter((letter) => letter.key.replace(/"/g, '') === key);
  expect(bySourceKey('poison-2').map(reasonOf)).toEqual(['future-event-time']);
  expect(bySourceKey('poison-2')[0]?.bytes).toBe(future?.length); // its original Avro bytes
  expect(bySourceKey('poison-3').map(reasonOf)).toEqual(['wrong-magic-byte']);
  expect(bySourceKey('poison-4').map(reasonOf)).toEqual(['oversized']);
  expect(bySourceKey('poison-4')[0]?.bytes).toBe(oversized.length); // the original bytes, larger than 1 MiB
  for (const letter of [...bySourceKey('poison-2'), ...bySourceKey('poison-3'), ...bySourceKey('poison-4')]) {
    expect(letter.headers[DLQ_HEADERS.sourceTopic]).toBe(run.topic);
    expect(Number(letter.headers[DLQ_HEADERS.sourceOffset])).toBeGreaterThan(0);
  }
  // A sink refuses a window result: its key (content, window) and the sink that refused it.
  // (Each emission is refused: a minute's update and its final result both.)
  const refusedBy = (content: string) =>
    [
      ...new Set(
        letters
          .filter((letter) => reasonOf(letter) === 'sink-refused' && letter.key.includes(content))
          .map((letter) => letter.headers[DLQ_HEADERS.sink]),
      ),
    ].sort();
  expect(refusedBy(`${run.run}:poison`)).toEqual(
    [
      'redis-windows:content-10s',
      'redis-windows:content-1m',
      'redis-windows:content-region-1m',
      'redis-windows:content-tier-1m',
    ].sort(),
  );
  expect(refusedBy(`${run.run}-poison|us east`)).toEqual(['redis-windows:content-region-1m']);
  expect(letters.filter((letter) => reasonOf(letter) === 'late')).toEqual([]);
  // Every good event exact; the two decodable poison events still have their raw rows.
  expect((await runs.differences(run, closers + 2)).differences).toEqual([]);
}, 400_000);
