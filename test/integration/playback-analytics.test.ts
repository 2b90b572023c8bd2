import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killRepeatedly } from '../helpers/processor';
import { PlaybackRuns, type PlaybackRun } from '../helpers/playback-run';
import { testConfig } from '../helpers/stack';

/**
 * The accuracy suite: the playback-analytics topology end to end on the real stack, run as users
 * run it (`reelstream run playback-analytics`), fed by the seeded simulator (`simulator/`) and checked
 * by the same validation as `reelstream validate` — every Redis view and every ClickHouse rollup
 * exact, and one raw row per produced event. Once clean, once with the processor killed (SIGKILL)
 * three times mid-run and restarted; on each Kafka transport.
 *
 * The input is produced before the processor starts — a backlog, as after downtime or in a replay —
 * and the topology runs with its default 30 s grace: event-time-aligned consumption must make the
 * backlog give the results of live traffic, with no record late. The suite checks the DLQ is empty.
 *
 * Enrichment is on: the run's catalog (titles, an update campaign with deletes, licences of which
 * some end mid-run) is in Kafka before the processor starts, and every aggregate and rollup must
 * carry the catalog's title and genre and count exactly the events outside regional rights. An event
 * joined against an empty or partial table — before the global table was read in full, at the first
 * start or after a kill — would miss its flag and show as a difference.
 */
const runs = new PlaybackRuns(testConfig());

/** The run really exercises enrichment: titled windows, and events outside rights, are expected. */
function enrichment({ expected }: PlaybackRun) {
  const content = expected.windows.filter((w) => w.view === 'content');
  return {
    titled: content.some((w) => typeof w.title === 'string'),
    outsideRights: content.some((w) => (w.outsideRightsEvents ?? 0) > 0),
  };
}

afterAll(() => runs.cleanup());

describe.each(['kafkajs', 'rdkafka'])('playback analytics accuracy on the real stack (%s)', (transport) => {
  const env = { KAFKA_TRANSPORT: transport };

  it('is exact in Redis and ClickHouse on a clean run', async () => {
    const run = await runs.prepare(`pa_clean_${transport}`);
    expect(enrichment(run)).toEqual({ titled: true, outsideRights: true });
    const processor = runs.start(run, join(tmpdir(), `${run.app}.log`), env);
    await runs.waitUntilCaughtUp(run);
    const closers = await runs.closeWindows(run);
    await runs.waitUntilCaughtUp(run);
    await processor.stop('SIGTERM');
    expect(await runs.deadLetterReasons(run)).toEqual({});
    expect((await runs.differences(run, closers)).differences).toEqual([]);
  }, 400_000);

  it('is exact after SIGKILL three times mid-run and restarts', async () => {
    const run = await runs.prepare(`pa_kill_${transport}`);
    expect(enrichment(run)).toEqual({ titled: true, outsideRights: true });
    const kills = await killRepeatedly({
      kills: 3,
      start: (attempt) => runs.start(run, join(tmpdir(), `${run.app}-${attempt}.log`), env),
      progress: () => runs.progress(run),
    });
    const last = runs.start(run, join(tmpdir(), `${run.app}-3.log`), env);
    // Restores what the third run committed (also when that run had already processed everything).
    await last.waitForLog('restored state from changelog');
    await runs.waitUntilCaughtUp(run);
    const closers = await runs.closeWindows(run);
    await runs.waitUntilCaughtUp(run);
    await last.stop('SIGTERM');
    // Every kill landed mid-run: part of the input was still uncommitted when it struck.
    expect(kills.map((kill) => kill.caughtUp)).toEqual([false, false, false]);
    expect(await runs.deadLetterReasons(run)).toEqual({});
    expect((await runs.differences(run, closers)).differences).toEqual([]);
  }, 500_000);
});

describe('playback analytics on tier lanes (real stack)', () => {
  it('reads the premium, standard and basic lanes as one stream and is exact in Redis and ClickHouse', async () => {
    const run = await runs.prepare('pa_lanes', 120, { tierLanes: true });
    const processor = runs.start(run, join(tmpdir(), `${run.app}.log`));
    await runs.waitUntilCaughtUp(run);
    const closers = await runs.closeWindows(run); // to the base topic, which is read beside the lanes
    await runs.waitUntilCaughtUp(run);
    await processor.stop('SIGTERM');
    // Every lane carried events and all of them were processed: raw rows per source topic.
    const perTopic = await runs.clickhouse.queryRows<{ source_topic: string; n: string }>(
      `SELECT source_topic, count() AS n FROM ${runs.config.clickhouse.database}.playback_events FINAL
       WHERE source_topic IN (${run.inputs.map((input) => `'${input}'`).join(', ')}) GROUP BY source_topic`,
    );
    const rows = new Map(perTopic.map((row) => [row.source_topic, Number(row.n)]));
    for (const tier of ['premium', 'standard', 'basic']) expect(rows.get(`${run.topic}.${tier}`)).toBeGreaterThan(0);
    expect(rows.get(run.topic)).toBe(closers);
    expect(await runs.deadLetterReasons(run)).toEqual({});
    expect((await runs.differences(run, closers)).differences).toEqual([]);
  }, 400_000);
});
