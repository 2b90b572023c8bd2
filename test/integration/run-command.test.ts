import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import type { Admin } from 'kafkajs';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { changelogTopic, dlqTopic } from '../../runtime/naming';
import { childCoverageEnv } from '../helpers/child-coverage';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * `reelstream run` against the real broker when a topology cannot start: the command exits at once
 * with a fatal line naming what is wrong — on one stream thread and on several, and when it runs two
 * applications of which only one cannot start (the other is stopped, never left running). And a
 * priority application beside others: a process of its own, the others at a lower CPU priority.
 */
const cli = resolve(__dirname, '..', '..', 'bin', 'reelstream.js');
const config = testConfig();
const name = (prefix: string) => uniqueName(prefix).replace(/_/g, '-');
let admin: Admin;
const created: string[] = [];

beforeAll(async () => {
  admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

function run(topologies: string[], threads: number, env: Record<string, string>) {
  const result = spawnSync(process.execPath, [cli, 'run', ...topologies, '--threads', String(threads)], {
    env: { ...process.env, ...childCoverageEnv(), REELSTREAM_LOG_FORMAT: 'json', REELSTREAM_LOG_LEVEL: 'info', ...env },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { status: result.status, signal: result.signal, output: `${result.stdout}${result.stderr}` };
}

describe('reelstream run, a topology that cannot start', () => {
  it.each([1, 2])('exits 1 naming a source topic that does not exist (%i stream threads)', (threads) => {
    const missing = name('missing');
    const { status, signal, output } = run(['content-hotness'], threads, {
      PLAYBACK_TOPIC: missing,
      CONTENT_HOTNESS_APP: name('missing-app'),
    });
    expect(signal).toBeNull(); // not ended by the timeout: it exited by itself
    expect(status).toBe(1);
    expect(output).toContain(`reads topics that do not exist: ${missing} (create them: reelstream topics apply)`);
    expect(output).toContain('"level":60');
  });

  it('with two applications, one that cannot start stops the other and the command exits 1', async () => {
    const catalogTopic = name('run-catalog');
    const catalogApp = name('run-sync');
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: catalogTopic, numPartitions: 1 }] });
    created.push(catalogTopic, dlqTopic(catalogApp), changelogTopic(catalogApp, 'catalog-current'));
    const prefix = name('run_prefix').replace(/-/g, '_');
    const missing = name('missing');
    const { status, signal, output } = run(['catalog-sync', 'content-hotness'], 1, {
      CATALOG_TOPIC: catalogTopic,
      CATALOG_SYNC_APP: catalogApp,
      REDIS_KEY_PREFIX: prefix,
      PLAYBACK_TOPIC: missing,
      CONTENT_HOTNESS_APP: name('missing-app'),
    });
    expect(signal).toBeNull();
    expect(status).toBe(1);
    expect(output).toContain(`reads topics that do not exist: ${missing}`);
    // catalog-sync had started, and was stopped (its batch finished, committed) rather than left running.
    expect(output).toMatch(new RegExp(`"topology":"${catalogApp}"[^\n]*"msg":"started"`));
    expect(output).toContain('"msg":"stopped"');
    await admin.deleteGroups([catalogApp]).catch(() => undefined);
    const redis = new Redis(config.redis.url);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
});

/** Fields of /proc/<pid>/stat after the command name: [state, ppid, …]; niceness is index 16. */
const statOf = (path: string) => (readFileSync(path, 'utf8').split(') ')[1] as string).split(' ');
const nicenessOfThreads = (pid: number) =>
  readdirSync(`/proc/${pid}/task`).map((tid) => Number(statOf(`/proc/${pid}/task/${tid}/stat`)[16]));
const childrenOf = (pid: number) =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return Number(statOf(`/proc/${entry}/stat`)[1]) === pid;
      } catch {
        return false; // gone since the listing
      }
    })
    .map(Number);

describe('reelstream run, a priority application beside others', () => {
  it.each([1, 2])(
    'runs it in processes of its own at the command’s priority and the others at processing.priorityNiceness (%i stream threads)',
    async (threads) => {
      const playback = name('run-plays');
      const catalogTopic = name('run-catalog');
      const premiumApp = name('run-premium');
      const catalogApp = name('run-sync');
      await admin.createTopics({
        waitForLeaders: true,
        topics: [`${playback}.premium`, catalogTopic].map((topic) => ({ topic, numPartitions: 2 })),
      });
      created.push(`${playback}.premium`, catalogTopic, dlqTopic(premiumApp), dlqTopic(catalogApp));
      created.push(changelogTopic(premiumApp, 'premium-minute'), changelogTopic(catalogApp, 'catalog-current'));
      const prefix = name('run_priority').replace(/-/g, '_');
      const command = spawn(
        process.execPath,
        [cli, 'run', 'playback-premium', 'catalog-sync', '--threads', String(threads)],
        {
          env: {
            ...process.env,
            ...childCoverageEnv(),
            REELSTREAM_LOG_FORMAT: 'json',
            REELSTREAM_LOG_LEVEL: 'info',
            REELSTREAM_PRIORITY_NICENESS: '7',
            PLAYBACK_TOPIC: playback,
            PLAYBACK_PREMIUM_APP: premiumApp,
            CATALOG_TOPIC: catalogTopic,
            CATALOG_SYNC_APP: catalogApp,
            REDIS_KEY_PREFIX: prefix,
          },
        },
      );
      let output = '';
      command.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      command.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolveExit) => command.once('exit', (code) => resolveExit(code)));
      /** The processes that started an application: the pids of its "started" lines. */
      const pidsOf = (app: string) =>
        [...output.matchAll(new RegExp(`"pid":(\\d+),[^\n]*"topology":"${app}"[^\n]*"msg":"started"`, 'g'))].map(
          (match) => Number(match[1]),
        );
      const deadline = Date.now() + 90_000;
      while (
        pidsOf(premiumApp).length + pidsOf(catalogApp).length < 2 * threads &&
        Date.now() < deadline &&
        command.exitCode === null
      )
        await new Promise((resolveWait) => setTimeout(resolveWait, 200));
      const pid = command.pid as number;
      const premium = pidsOf(premiumApp);
      const others = pidsOf(catalogApp);
      expect({ premium: premium.length, others: others.length }).toEqual({ premium: threads, others: threads });
      // The priority application never shares a process with the other, and never runs in the command's.
      const children = childrenOf(pid);
      for (const child of premium) expect(children).toContain(child);
      expect(premium.filter((child) => others.includes(child))).toEqual([]);
      // On one thread the other application runs in the command's own process; on two, in children.
      expect(others.every((other) => (threads === 1 ? other === pid : children.includes(other)))).toBe(true);
      const started = getPriority(); // the command's, inherited from this process
      // Every thread of the other application's processes at 7; the priority application's at the start's.
      for (const other of others) expect(new Set(nicenessOfThreads(other))).toEqual(new Set([Math.max(7, started)]));
      for (const child of premium) expect(new Set(nicenessOfThreads(child))).toEqual(new Set([started]));

      command.kill('SIGTERM');
      expect(await exited).toBe(0);
      await admin.deleteGroups([premiumApp, catalogApp]).catch(() => undefined);
      const redis = new Redis(config.redis.url);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  );
});
