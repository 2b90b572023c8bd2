import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { childCoverageEnv } from '../helpers/child-coverage';
import { PlaybackRuns, type PlaybackRun } from '../helpers/playback-run';
import { testConfig } from '../helpers/stack';
import { createTransport } from '../../runtime/kafka/create-transport';
import { avroType } from '../../schemas/catalog';
import { AvroDeserializer } from '../../schemas/serde/avro-deserializer';
import type { PlaybackMinuteRollup } from '../../schemas/types.generated';

/**
 * `reelstream replay` on the real stack: a two-hour backlog processed once by the playback job is
 * the reference (validated exact); replaying its two hours — both paths — twice (from a time, then
 * from offsets; each rewrites the rollups of the range's last minute too), and once more after a
 * replay SIGKILLed mid-way, must leave Redis and ClickHouse exactly as the single clean processing
 * left them (every window, rollup and raw row validated figure by figure).
 */
const runs = new PlaybackRuns(testConfig());
const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');
const HOURS = 2;

afterAll(async () => {
  const admin = await runs.adminClient();
  const groups = (await admin.listGroups()).groups
    .map(({ groupId }) => groupId)
    .filter((id) => id.includes('-replay-'));
  await admin.deleteGroups(groups).catch(() => undefined);
  // What the replay killed mid-way left: its internal topics.
  const topics = (await admin.listTopics()).filter((topic) => /-replay-[0-9a-z]+-/.test(topic));
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await runs.cleanup();
});

/** `--from` is the run's start, as a time — or as an offset (0 on every partition: its first records' event time). */
function replayArgs(run: PlaybackRun, topology: string, from = new Date(run.startMs).toISOString()): string[] {
  return [cli, 'replay', topology, '--from', from, '--to', new Date(run.startMs + HOURS * 3_600_000).toISOString()];
}

/** `reelstream replay <topology>` over the run's two hours, to the end. */
function replay(run: PlaybackRun, topology: string, from?: string): string {
  const result = spawnSync(process.execPath, replayArgs(run, topology, from), {
    env: { ...process.env, ...childCoverageEnv(), ...runs.envOf(run) },
    encoding: 'utf8',
    timeout: 600_000,
  });
  const output = `${result.stdout}${result.stderr}`;
  if (result.status !== 0)
    throw new Error(`replay ${topology} exited ${String(result.status)}:\n${output.slice(-3000)}`);
  console.info(output.split('\n').find((line) => line.startsWith('replayed ')));
  return output;
}

/** The rollup records of one minute on the run's rollups topic. */
async function rollupRecordsOf(run: PlaybackRun, windowStartMs: number): Promise<number> {
  const admin = await runs.adminClient();
  const partitions = (await admin.fetchTopicOffsets(run.rollupsTopic)).map(({ partition }) => ({
    topic: run.rollupsTopic,
    partition,
  }));
  const values: Buffer[] = [];
  const reader = createTransport(testConfig().kafka).partitionReader();
  try {
    await reader.readToEnd(partitions, (record) => {
      if (record.value) values.push(record.value);
    });
  } finally {
    await reader.disconnect();
  }
  const rollups = new AvroDeserializer<PlaybackMinuteRollup>(avroType('PlaybackMinuteRollup'), runs.registry);
  await rollups.prepare(values);
  return values.filter((value) => rollups.decode(value).windowStartMs === windowStartMs).length;
}

describe('reelstream replay', () => {
  it('replaying a two-hour range twice, and again after a crash mid-replay, leaves Redis and ClickHouse equal to one clean processing', async () => {
    const run = await runs.prepare('replay', HOURS * 3_600, { sessions: 60 });
    const clean = runs.start(run, join(tmpdir(), `${run.run}.log`));
    await runs.waitUntilCaughtUp(run);
    const closers = await runs.closeWindows(run);
    await runs.waitUntilCaughtUp(run);
    await clean.stop('SIGTERM');
    expect((await runs.differences(run, closers)).differences).toEqual([]);

    // The plan, without reading or writing anything.
    const dryRun = spawnSync(process.execPath, [...replayArgs(run, 'playback-analytics'), '--dry-run'], {
      env: { ...process.env, ...childCoverageEnv(), ...runs.envOf(run) },
      encoding: 'utf8',
    });
    expect(dryRun.stdout).toContain(`read ${run.topic}[0] offsets 0 → `);
    expect(dryRun.stdout).toContain('dry run: nothing replayed or written');
    // The same range from offsets: 0 stands for the earliest event time of the partitions' first
    // records (the Kafka timestamps of this backlog are its production time, hours later).
    const byOffset = spawnSync(process.execPath, [...replayArgs(run, 'playback-analytics', '0'), '--dry-run'], {
      env: { ...process.env, ...childCoverageEnv(), ...runs.envOf(run) },
      encoding: 'utf8',
    });
    expect(byOffset.stdout).toContain(
      `--from 0: the earliest event time of the records there is ${new Date(run.startMs).toISOString()}`,
    );
    expect(byOffset.stdout).toContain(
      `event time [${new Date(run.startMs).toISOString()}, ${new Date(run.startMs + HOURS * 3_600_000).toISOString()})`,
    );
    const refused = spawnSync(
      process.execPath,
      [cli, 'replay', 'playback-analytics', '--from', '0:1,9:5', '--dry-run'],
      {
        env: { ...process.env, ...childCoverageEnv(), ...runs.envOf(run) },
        encoding: 'utf8',
      },
    );
    expect(refused.status).toBe(1);
    expect(`${refused.stdout}${refused.stderr}`).toContain('--from: no input topic of');

    // Every processing writes its final rollups to the rollups topic; the range's last minute closes
    // only once the whole range is read, which a replay has to do itself (no record after it comes).
    const lastMinuteRollups = () => rollupRecordsOf(run, run.startMs + HOURS * 3_600_000 - 60_000);
    const cleanRollups = await lastMinuteRollups();
    expect(cleanRollups).toBeGreaterThan(0);

    // Replayed from a time, then from offsets: both equal the clean processing.
    for (let time = 1; time <= 2; time += 1) {
      const output = replay(run, 'playback-analytics', time === 2 ? '0' : undefined);
      expect(output).toMatch(/replayed \d+ records of playback-analytics/);
      expect(await lastMinuteRollups()).toBe(cleanRollups * (time + 1));
      replay(run, 'playback-history', time === 2 ? '0' : undefined);
      expect({ time, differences: (await runs.differences(run, closers)).differences }).toEqual({
        time,
        differences: [],
      });
    }

    // A replay killed mid-way (it had committed part of the range), then run again to the end.
    const crashed = spawn(process.execPath, replayArgs(run, 'playback-analytics'), {
      env: { ...process.env, ...childCoverageEnv(), ...runs.envOf(run) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    crashed.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    crashed.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 120_000;
    while (!/replay playback-analytics \[[^\]]*\] [1-9]\d*\//.test(output) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(output).not.toMatch(/replayed \d+ records/); // killed before the end
    crashed.kill('SIGKILL');
    await new Promise((r) => crashed.once('close', r));
    replay(run, 'playback-analytics');
    replay(run, 'playback-history');
    expect((await runs.differences(run, closers)).differences).toEqual([]);
  }, 900_000);
});
