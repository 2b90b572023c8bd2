/**
 * npm run bench:premium-floor — the floor of premium event → Redis on this machine: what a premium
 * path costs when nothing else is processed, while the load is produced live to every lane at RATE
 * events/s (default 19,745, twice the job's measured capacity) for SOAK_SECONDS (default 60). Nobody
 * reads the lower lanes and there is no historical path: the machine carries the broker taking the whole
 * load, the load generator, Redis and the premium application alone. PREMIUM chooses the path:
 * - `own` (default): premium's own view, `reelstream run playback-premium` — one hop, a 20 ms commit
 *   cycle, Redis `content-premium`;
 * - `shared`: the job's path, `reelstream run playback-analytics` reading only the premium lane
 *   (PLAYBACK_TOPIC=<topic>.premium, PLAYBACK_LANES=none) — two hops, a commit every 100 ms.
 * `reelstream probe` (a process of its own) times premium events until Redis counts them, 10 s at rest
 * first. Beside it, the raw client: a plain kafkajs consumer of the premium lane in a process of its own
 * (bench/raw-latency.ts) times the same probe events from send to delivery — the broker's and the
 * client's share of the figure, without the pipeline's hops, transactions and Redis. No job does better
 * than this on the same machine and load; `npm run bench:overload` measures the job itself.
 * Needs `reelstream stack up`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tierLaneTopic } from '../processors/playback/tier-lanes';
import { latencyPercentile, type ProbeSample } from '../simulator/latency-probe';
import { PlaybackRuns } from '../test/helpers/playback-run';
import { startPremiumProbe } from './premium-probe';
import { startProcessor } from '../test/helpers/processor';
import { testConfig } from '../test/helpers/stack';

const RATE = Number(process.env.RATE ?? 19_745);
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
if (!(RATE > 0)) throw new Error(`RATE must be a positive number of events/s, not "${process.env.RATE}"`);
if (!(SOAK_SECONDS > 0)) throw new Error(`SOAK_SECONDS must be a positive number, not "${process.env.SOAK_SECONDS}"`);
const PREMIUM = process.env.PREMIUM ?? 'own';
if (PREMIUM !== 'own' && PREMIUM !== 'shared') throw new Error(`PREMIUM must be "own" or "shared", not "${PREMIUM}"`);
const HEARTBEAT_SEC = 10;
const BASELINE_SECONDS = 10;
const runs = new PlaybackRuns(testConfig());
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

void (async () => {
  try {
    const run = await runs.prepare('bench-premium-floor', 120, { live: true, tierLanes: true });
    const premium = tierLaneTopic(run.topic, 'premium');
    const env =
      PREMIUM === 'own' ? runs.envOf(run) : { ...runs.envOf(run), PLAYBACK_TOPIC: premium, PLAYBACK_LANES: 'none' };
    const application = startProcessor(
      [PREMIUM === 'own' ? 'playback-premium' : 'playback-analytics', '--instance-id', 'only'],
      env,
      join(tmpdir(), `${run.run}.log`),
    );
    await application.waitForLog('started', 120_000);
    const rawFile = join(tmpdir(), `${run.run}-raw.json`);
    const rawGroup = `${run.run}-raw`;
    const raw = spawn(
      process.execPath,
      [
        join(__dirname, '..', 'bin', 'run-ts.js'),
        join(__dirname, 'raw-latency.ts'),
        premium,
        `${run.run}-probe`, // the probe keys its events by its content id
        rawGroup,
        rawFile,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      raw.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('consuming') && resolve());
      raw.once('exit', (code) => reject(new Error(`the raw consumer exited (${code}) before consuming`)));
    });
    const probe = await startPremiumProbe(
      runs,
      run,
      premium,
      env,
      BASELINE_SECONDS,
      PREMIUM === 'own' ? 'content-premium' : 'content',
    );
    const expected = await runs.produceLive(run, {
      sessions: Math.round(RATE * HEARTBEAT_SEC),
      heartbeatSec: HEARTBEAT_SEC,
      durationSec: SOAK_SECONDS,
    });
    const { atRest: rest, underLoad: soak } = await probe.stop();
    const rawExited = new Promise((resolve) => raw.once('exit', resolve));
    raw.kill('SIGTERM');
    await rawExited;
    const rawSamples = JSON.parse(readFileSync(rawFile, 'utf8')) as ProbeSample[];
    await application.stop('SIGTERM');
    await (await runs.adminClient()).deleteGroups([rawGroup]).catch(() => undefined);
    const { atRest: rawRest, underLoad: rawSoak } = probe.split(rawSamples);
    console.log(
      `load: ${fmt(expected.events)} events to every lane in ${SOAK_SECONDS} s (${fmt(expected.events / SOAK_SECONDS)}/s); ${PREMIUM === 'own' ? 'playback-premium' : 'playback-analytics on the premium lane alone'} reads it`,
    );
    console.log(
      `premium event → Redis at rest: p50 ${fmt(latencyPercentile(rest, 0.5))} ms, p99 ${fmt(latencyPercentile(rest, 0.99))} ms`,
    );
    console.log(
      `premium event → Redis under the load: p50 ${fmt(latencyPercentile(soak, 0.5))} ms, p99 ${fmt(latencyPercentile(soak, 0.99))} ms (${soak.filter(({ latencyMs }) => latencyMs !== undefined).length}/${soak.length} probes seen)`,
    );
    console.log(
      `raw kafkajs consumer, the same probes send → delivery: at rest p50 ${fmt(latencyPercentile(rawRest, 0.5))} ms, p99 ${fmt(latencyPercentile(rawRest, 0.99))} ms; under the load p50 ${fmt(latencyPercentile(rawSoak, 0.5))} ms, p99 ${fmt(latencyPercentile(rawSoak, 0.99))} ms (${rawSoak.length} probes)`,
    );
  } finally {
    await runs.cleanup();
  }
})();
