import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from '../helpers/free-port';
import { PlaybackRuns, type PlaybackRun } from '../helpers/playback-run';
import { freeze, outage } from '../helpers/stack-faults';
import { testConfig } from '../helpers/stack';

/**
 * The fault suite: the playback-analytics topology on a simulated backlog, run as users run it,
 * through a fault of a real service. Each test first proves the fault happened (the server really
 * stopped answering, the pipeline really met it mid-run), then that the outcome is exact — every
 * Redis view and ClickHouse rollup equal to the expectation, one raw row per event, nothing in the DLQ
 * — and that the processor stayed up through it (or was restarted, where the fault is its own crash).
 */
const config = testConfig();
const runs = new PlaybackRuns(config);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

afterAll(() => runs.cleanup());

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Waits for the counting stage's first commit; fails at once, pointing at the log, if the processor exited. */
async function firstProgress(run: PlaybackRun, processor: { running(): boolean }): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!((await runs.progress(run).catch(() => undefined))?.stateful ?? 0)) {
    if (!processor.running()) throw new Error(`${run.app} exited before its first commit (see its log)`);
    if (Date.now() > deadline) throw new Error(`${run.app}: no committed progress within 120000 ms`);
    await sleep(200);
  }
}

const REWRITTEN = 'open results written again and committed';

describe('faults on the real stack', () => {
  it('ClickHouse SIGKILLed for 30 s mid-run, the processor SIGKILLed during the outage: exact once it is back', async () => {
    const run = await runs.prepare('fault_ch');
    const first = runs.start(run, join(tmpdir(), `${run.app}-0.log`));
    await firstProgress(run, first);
    const down = outage('clickhouse');
    const clickhouse = down.service;
    const outageStarted = Date.now();
    try {
      await expect(clickhouse.probe()).rejects.toThrow(); // the fault happened: ClickHouse is down
      await first.waitForLog('sink flush failed; retrying', 60_000); // and the pipeline met it mid-run
      expect((await runs.progress(run)).caughtUp).toBe(false);
      expect(first.running()).toBe(true);
      // The paths are isolated: the real-time one commits on and catches up while ClickHouse is down,
      // and the historical one holds its offsets (Kafka buffers what it has not stored).
      const historyHeld = await runs.historyCommitted(run);
      await until(
        'real-time path caught up during the outage',
        async () => (await runs.uncommittedOf(run, 'realtime')) === 0,
        120_000,
      );
      await expect(clickhouse.probe()).rejects.toThrow(); // still down meanwhile
      expect(await runs.uncommittedOf(run, 'history')).toBeGreaterThan(0);
      expect(await runs.historyCommitted(run)).toBe(historyHeld);

      await first.stop('SIGKILL'); // the processor crashes during the outage, with rows in memory
      // The restarted processor warns of the stall after 5 s and shows it on /metrics.
      const configFile = join(tmpdir(), `${run.app}-config.json`);
      writeFileSync(configFile, JSON.stringify({ processing: { stallWarningMs: 5_000 } }));
      const metricsPort = await freePort();
      const second = runs.start(run, join(tmpdir(), `${run.app}-1.log`), { REELSTREAM_CONFIG: configFile }, [
        '--metrics-port',
        String(metricsPort),
      ]);
      await second.waitForLog('tasks assigned');
      await second.waitForLog(
        'pipeline stalled: a sink does not acknowledge its writes; the commit waits and retries',
        60_000,
      );
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      // The sink the warning names (which ClickHouse table still has rows to write after the restart
      // depends on how far the first processor got) shows how long it has been failing.
      const stalled = readFileSync(second.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"msg":"pipeline stalled'))
        .map((line) => JSON.parse(line) as { sink: string })[0];
      expect(stalled?.sink).toMatch(/^clickhouse-rows:/);
      const failing = new RegExp(
        `reelstream_sink_failing_seconds\\{[^}]*sink="${stalled?.sink}"[^}]*\\} ([\\d.]+)`,
      ).exec(metrics);
      expect(Number(failing?.[1])).toBeGreaterThan(0);
      await sleep(Math.max(0, 30_000 - (Date.now() - outageStarted)));
      await expect(clickhouse.probe()).rejects.toThrow(); // still down after 30 s
      expect(second.running()).toBe(true);

      await down.restore(); // back, through the code `reelstream stack up` runs
      await second.waitForLog('sink recovered: writes acknowledged again', 120_000);
      await runs.waitUntilCaughtUp(run);
      const closers = await runs.closeWindows(run);
      await runs.waitUntilCaughtUp(run);
      expect(second.running()).toBe(true);
      await second.stop('SIGTERM');
      expect(await runs.deadLetterReasons(run)).toEqual({});
      expect((await runs.differences(run, closers)).differences).toEqual([]);
    } finally {
      await down.restore();
    }
  }, 400_000);

  it.each(['kafkajs', 'rdkafka'])(
    'the broker SIGKILLed mid-run and restarted 60 s later (%s): the processor waits, stays up, ends exact',
    async (transport) => {
      const run = await runs.prepare(`fault_broker_${transport}`);
      const processor = runs.start(run, join(tmpdir(), `${run.app}.log`), { KAFKA_TRANSPORT: transport });
      await firstProgress(run, processor);
      expect((await runs.progress(run)).caughtUp).toBe(false); // the kill lands mid-run
      const down = outage('kafka');
      try {
        await expect(down.service.probe()).rejects.toThrow(); // the fault happened: the broker is down
        await sleep(60_000);
        expect(processor.running()).toBe(true); // waited and retried through the outage
      } finally {
        await down.restore(); // back, through the code `reelstream stack up` runs
      }
      await runs.waitUntilCaughtUp(run);
      const closers = await runs.closeWindows(run);
      await runs.waitUntilCaughtUp(run);
      expect(processor.running()).toBe(true);
      await processor.stop('SIGTERM');
      expect(await runs.deadLetterReasons(run)).toEqual({});
      expect((await runs.differences(run, closers)).differences).toEqual([]);
    },
    400_000,
  );

  it('two stream threads SIGKILLed while their commits are in flight (ClickHouse frozen): exact once restarted', async () => {
    const run = await runs.prepare('fault_inflight');
    // Event-time alignment is per thread: two threads consuming a backlog at their own pace interleave
    // event time in the repartition topics by more than the default 30 s grace (docs/runtime.md,
    // "Stream threads"). This test measures exactness after the crash, not lateness.
    const twoThreads = { PLAYBACK_GRACE: '1h' };
    const first = runs.start(run, join(tmpdir(), `${run.app}-0.log`), twoThreads, ['--threads', '2']);
    await firstProgress(run, first);
    const clickhouse = await freeze('clickhouse');
    try {
      // Each historical thread's commit is sealed and waits on its ClickHouse flush: its committed
      // offsets stand still for seconds while the threads run, with input left (at 100 ms commits
      // otherwise); the real-time threads commit on.
      const frozen = await runs.historyCommitted(run);
      const realtimeBefore = await runs.uncommittedOf(run, 'realtime');
      await sleep(3_000);
      expect(await runs.historyCommitted(run)).toBe(frozen);
      expect(await runs.uncommittedOf(run, 'history')).toBeGreaterThan(0);
      const realtimeAfter = await runs.uncommittedOf(run, 'realtime');
      expect(realtimeAfter === 0 || realtimeAfter < realtimeBefore).toBe(true);
      expect(first.running()).toBe(true);
      // Both applications' two thread processes and the command, at once.
      expect(await first.crash()).toBe(4);
    } finally {
      clickhouse.resume();
    }
    const second = runs.start(run, join(tmpdir(), `${run.app}-1.log`), twoThreads, ['--threads', '2']);
    await second.waitForLog('restored state from changelog');
    await runs.waitUntilCaughtUp(run);
    const closers = await runs.closeWindows(run);
    await runs.waitUntilCaughtUp(run);
    await second.stop('SIGTERM');
    expect(await runs.deadLetterReasons(run)).toEqual({});
    expect((await runs.differences(run, closers)).differences).toEqual([]);
  }, 500_000);

  it('Redis restarted empty mid-run: every view is complete again and exact', async () => {
    const port = await freePort();
    let server = startRedis(port);
    const own = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await until('own redis answering', async () => (await own.ping()) === 'PONG', 30_000);
      // 35 s of events: no window closes before the closers, so every measured view is open state.
      const run = await runs.prepare('fault_redis', 35);
      const processor = runs.start(run, join(tmpdir(), `${run.app}.log`), { REDIS_URL: `redis://127.0.0.1:${port}` });
      await runs.waitUntilCaughtUp(run);
      await until('views written', async () => (await own.dbsize()) > 100);
      const before = await runId(own);
      // A fresh process finds no marker either (Redis may have lost its data while it was down): count those.
      const rewritesBefore = processor.logCount(REWRITTEN);

      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
      server = startRedis(port);
      await until('restarted redis answering', async () => (await own.ping()) === 'PONG', 30_000);
      expect(await runId(own)).not.toBe(before); // the fault happened: another, empty server

      await processor.waitForLog(REWRITTEN, 60_000, rewritesBefore);
      expect(await own.exists(`${run.run}:marker`)).toBe(1);
      const closers = await runs.closeWindows(run);
      await runs.waitUntilCaughtUp(run);
      expect(processor.running()).toBe(true);
      await processor.stop('SIGTERM');
      expect(await runs.deadLetterReasons(run)).toEqual({});
      expect((await runs.differences(run, closers, own)).differences).toEqual([]);
    } finally {
      own.disconnect();
      server.kill('SIGKILL');
    }
  }, 300_000);
});

/** A Redis of the test's own, without persistence: a restart comes back empty. */
function startRedis(port: number): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
}

async function runId(redis: Redis): Promise<string> {
  const info = await redis.info('server');
  return /run_id:(\w+)/.exec(info)?.[1] ?? '';
}
