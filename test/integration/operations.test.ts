import { execFile, spawnSync } from 'node:child_process';
import type { Admin } from 'kafkajs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { catalogCampaign } from '../../simulator/catalog';
import { produceCatalog } from '../../simulator/produce-catalog';
import { RedisKeys } from '../../sinks/redis/keys';
import { uniqueName } from '../helpers/unique';
import { ensureTool } from '../../infra/local/tools';
import { freePort } from '../helpers/free-port';
import { childCoverageEnv } from '../helpers/child-coverage';
import { PlaybackRuns, type PlaybackRun } from '../helpers/playback-run';
import { changelogTopic, repartitionTopic } from '../../runtime/naming';
import { testConfig } from '../helpers/stack';

const run = promisify(execFile);
const runs = new PlaybackRuns(testConfig());

const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');

afterAll(() => runs.cleanup());

/** `reelstream <args>` against a playback run's topics; its exit status and output. */
function reelstream(playback: PlaybackRun, args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [cli, ...args], {
    env: { ...process.env, ...childCoverageEnv(), ...runs.envOf(playback), REELSTREAM_LOG_FORMAT: 'json' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
const rules = join(__dirname, '..', '..', 'infra', 'prometheus');

/**
 * The alert rules (infra/prometheus/alerts.yml) with Debian's promtool, installed by the project's
 * own code (`reelstream tools install`) on a machine that lacks it: `check rules` and the rule unit
 * tests of alerts.test.yml (each KPI over its target, a region falling silent while the others hold
 * and not when all do, the pipeline's lag, DLQ rate and stalled commit).
 */
describe('Prometheus alert rules', () => {
  it('pass promtool check rules and promtool test rules', async () => {
    const promtool = await ensureTool('promtool');
    const check = await run(promtool, ['check', 'rules', 'alerts.yml'], { cwd: rules });
    expect(check.stdout).toMatch(/SUCCESS: 10 rules found/);
    const tested = await run(promtool, ['test', 'rules', 'alerts.test.yml'], { cwd: rules });
    expect(`${tested.stdout}${tested.stderr}`).toMatch(/SUCCESS/);
  }, 600_000);
});

describe('health and readiness', () => {
  it('/readyz answers 503 until the tasks restored their state from the changelogs and 200 from then on; /healthz 200 throughout', async () => {
    const playback = await runs.prepare('readyz', 120);
    const first = runs.start(playback, join(tmpdir(), `${playback.run}-0.log`));
    await runs.waitUntilCaughtUp(playback);
    await first.stop('SIGTERM');

    const port = await freePort();
    const second = runs.start(playback, join(tmpdir(), `${playback.run}-1.log`), {}, ['--metrics-port', String(port)]);
    const seen: { at: number; ready: number; healthy: number; restored: number }[] = [];
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`);
      const answers = await Promise.all([get('/readyz'), get('/healthz'), get('/metrics')]).catch(() => undefined);
      if (answers) {
        const [ready, healthy, metrics] = answers;
        const text = await metrics.text();
        const restored = [...text.matchAll(/^reelstream_restored_records_total\{application="([^"]+)"[^}]*\} (\d+)/gm)]
          .filter(([, application]) => application === playback.app)
          .reduce((sum, [, , count]) => sum + Number(count), 0);
        seen.push({ at: Date.now(), ready: ready.status, healthy: healthy.status, restored });
        if (ready.status === 200) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await second.waitForLog('restored state from changelog');
    const [restoredAt] = second.logTimes('restored state from changelog');
    // Not ready while it joined the group and restored (however short the restore), ready after.
    expect(seen.filter(({ ready }) => ready === 503).length).toBeGreaterThan(0);
    expect(seen.at(-1)).toMatchObject({ ready: 200 });
    expect(seen.at(-1)?.restored).toBeGreaterThan(0);
    const firstReady = seen.find(({ ready }) => ready === 200);
    expect(firstReady?.at).toBeGreaterThanOrEqual(restoredAt as number);
    expect(seen.every(({ healthy }) => healthy === 200)).toBe(true);
    await second.stop('SIGTERM');
  }, 600_000);
});

describe('reelstream reset', () => {
  it('prints its plan and changes nothing without --execute, refuses while the application runs, and with --execute a new run reproduces the results from scratch', async () => {
    const playback = await runs.prepare('reset', 120);
    const first = runs.start(playback, join(tmpdir(), `${playback.run}-0.log`));
    await runs.waitUntilCaughtUp(playback);
    const refused = reelstream(playback, ['reset', 'playback-analytics']);
    expect(refused.status).toBe(1);
    expect(refused.output).toContain(`application ${playback.app} is running`);
    await first.stop('SIGTERM');

    // A client of its own for each look: one that knew the deleted topics would fail to refresh its metadata.
    const withAdmin = async <T>(use: (admin: Admin) => Promise<T>): Promise<T> => {
      const admin = runs.kafka.admin();
      await admin.connect();
      try {
        return await use(admin);
      } finally {
        await admin.disconnect();
      }
    };
    const committed = () =>
      withAdmin(async (admin) =>
        (await admin.fetchOffsets({ groupId: playback.app, topics: [playback.topic] }))[0]?.partitions
          .map(({ offset }) => Number(offset))
          .reduce((sum, offset) => sum + offset, 0),
      );
    const listTopics = () => withAdmin((admin) => admin.listTopics());
    const internal = [changelogTopic(playback.app, 'content-minute'), repartitionTopic(playback.app, 'by-content')];
    const before = await committed();
    expect(before).toBe(playback.expected.events);

    const dryRun = reelstream(playback, ['reset', 'playback-analytics']);
    expect(dryRun.status).toBe(0);
    expect(dryRun.output).toMatch(new RegExp(`offset ${playback.topic}\\[0\\]: \\d+ → 0`));
    for (const topic of internal) expect(dryRun.output).toContain(`delete internal topic ${topic}`);
    expect(dryRun.output).toContain('dry run: nothing changed');
    expect(await committed()).toBe(before);
    expect(await listTopics()).toEqual(expect.arrayContaining(internal));

    const executed = reelstream(playback, ['reset', 'playback-analytics', '--execute']);
    expect(executed.status).toBe(0);
    expect(await committed()).toBe(0);
    const topics = await listTopics();
    for (const topic of internal) expect(topics).not.toContain(topic);

    // From scratch: what the first run wrote to Redis is gone, and the new run writes it all again.
    const keys = await runs.redis.keys(`${playback.run}:agg:*`);
    expect(keys.length).toBeGreaterThan(0);
    await runs.redis.del(...keys);
    const second = runs.start(playback, join(tmpdir(), `${playback.run}-1.log`));
    await runs.waitUntilCaughtUp(playback);
    const closers = await runs.closeWindows(playback);
    await runs.waitUntilCaughtUp(playback);
    await second.stop('SIGTERM');
    expect((await runs.differences(playback, closers)).differences).toEqual([]);
  }, 600_000);
});

describe('reelstream rebuild', () => {
  it('rebuilds the catalog in Redis from its compacted topic: deleted hashes come back exactly, the rest unchanged', async () => {
    const name = uniqueName('rebuild').replace(/_/g, '-');
    const topic = `${name}-catalog`;
    const admin = await runs.adminClient();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const campaign = catalogCampaign({
      seed: 7,
      contentPrefix: name,
      contents: 40,
      regions: ['eu-west', 'us-east'],
      updates: 120,
      startMs: Date.now(),
    });
    await produceCatalog(campaign.records, runs.config.kafka, runs.registry, { topic });
    const env = { CATALOG_TOPIC: topic, REDIS_KEY_PREFIX: name };
    const rebuild = () => {
      const result = spawnSync(process.execPath, [cli, 'rebuild', 'catalog'], {
        env: { ...process.env, ...childCoverageEnv(), ...env },
        encoding: 'utf8',
        timeout: 300_000,
      });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    };
    const keys = new RedisKeys(name);
    const snapshot = async () => {
      const ids = [...campaign.expected.keys()].sort();
      return Object.fromEntries(
        await Promise.all(ids.map(async (id) => [id, await runs.redis.hgetall(keys.catalog(id))])),
      );
    };
    // A first rebuild materializes the topic from nothing (as catalog-sync would).
    const first = rebuild();
    expect(first.output).toContain(`rebuilt catalog: ${campaign.records.length} records of ${topic}`);
    expect(first.status).toBe(0);
    const whole = await snapshot();
    const live = [...campaign.expected].filter(([, state]) => !state.deleted).map(([id]) => id);
    expect(live.length).toBeGreaterThan(10);
    for (const id of live) expect(Object.keys(whole[id] as object).length).toBeGreaterThan(0);
    // Lose part of it, then rebuild: equal to before, hash by hash.
    const lost = live.filter((_, index) => index % 2 === 0);
    await runs.redis.del(...lost.map((id) => keys.catalog(id)));
    expect(await runs.redis.exists(...lost.map((id) => keys.catalog(id)))).toBe(0);
    const second = rebuild();
    expect(second.status).toBe(0);
    const after = await snapshot();
    // Lost hashes are back, field for field but the time they were applied; the others untouched.
    const withoutApplied = (hashes: Record<string, Record<string, string>>) =>
      Object.fromEntries(Object.entries(hashes).map(([id, { appliedAtMs: _, ...fields }]) => [id, fields]));
    expect(withoutApplied(after)).toEqual(withoutApplied(whole));
    for (const id of live.filter((id) => !lost.includes(id))) expect(after[id]).toEqual(whole[id]);
    for (const id of lost) expect(Number(after[id]?.appliedAtMs)).toBeGreaterThan(Number(whole[id]?.appliedAtMs));
    // The rebuild's own application left no group behind.
    const groups = (await admin.listGroups()).groups.map(({ groupId }) => groupId);
    expect(groups.filter((group) => group.startsWith('catalog-sync-rebuild-'))).toEqual([]);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    const left = await runs.redis.keys(`${name}:*`);
    if (left.length > 0) await runs.redis.del(...left);
  }, 600_000);
});
