/**
 * npm run bench:overload — the playback job (`reelstream run playback-analytics playback-history`)
 * under overload on the local stack, in two measured phases:
 *   1. capacity: a backlog of CAPACITY_EVENTS (default 300,000) events, overload control off; the
 *      job's rate from start to caught up is its capacity on this machine;
 *   2. overload at OVERLOAD_FACTOR (default 2) × that capacity, played live (one simulated second per
 *      second) for SOAK_SECONDS (default 180) with `--overload adaptive`, while premium probe events
 *      (`reelstream probe`, in a process of its own) measure premium event → Redis, first for 10 s at rest (the floor of
 *      the measured path); the job's resident memory is sampled every second.
 * Knobs: LANES=tiers (default: events on the tier lanes, premium served first) or none (one topic);
 * RATE=<events/s> skips phase 1 and offers that rate (two builds compared at one load);
 * EVENT_TO_SINK_SECONDS, the overload control's event→sink limit (default 2); KAFKA_TRANSPORT.
 * Reports: capacity, offered rate, premium p50/p99 at rest and over the soak, what the lower tiers lost
 * (ledger), whether premium stayed exact (every premium window against the expectation), mean batch,
 * commit and sink-flush durations from the job's /metrics, resident memory at the soak's start, peak
 * and end, and whether the process stayed up. Kafka Streams has no sampling to compare with. Needs
 * `reelstream stack up`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateDatabase } from '../infra/clickhouse/migrate';
import { tierLaneTopic } from '../processors/playback/tier-lanes';
import { RedisKeys } from '../sinks/redis/keys';
import { latencyPercentile } from '../simulator/latency-probe';
import { startPremiumProbe } from './premium-probe';
import { PlaybackRuns } from '../test/helpers/playback-run';
import { testConfig } from '../test/helpers/stack';

const CAPACITY_EVENTS = Number(process.env.CAPACITY_EVENTS ?? 300_000);
const OVERLOAD_FACTOR = Number(process.env.OVERLOAD_FACTOR ?? 2);
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
/** RATE=<events/s> skips the capacity phase and offers this rate: runs of two builds compare at one load. */
const FIXED_RATE = process.env.RATE === undefined ? undefined : Number(process.env.RATE);
if (FIXED_RATE !== undefined && !(FIXED_RATE > 0))
  throw new Error(`RATE must be a positive number of events/s, not "${process.env.RATE}"`);
/** `tiers` (default): events by viewer tier on the tier lanes, premium served first; `none`: one topic. */
const LANES = process.env.LANES ?? 'tiers';
if (LANES !== 'tiers' && LANES !== 'none') throw new Error(`LANES must be "tiers" or "none", not "${LANES}"`);
const tierLanes = LANES === 'tiers';
/**
 * `own` (default, on tier lanes): premium's own view runs beside the job (playback-premium, in a process
 * of its own) and the probe watches it; `shared`: the job alone, the probe watching the all-tier view.
 */
const PREMIUM = process.env.PREMIUM ?? (tierLanes ? 'own' : 'shared');
if (PREMIUM !== 'own' && PREMIUM !== 'shared') throw new Error(`PREMIUM must be "own" or "shared", not "${PREMIUM}"`);
if (PREMIUM === 'own' && !tierLanes)
  throw new Error('PREMIUM=own needs LANES=tiers: premium has its own view on its lane only');
const premiumOwn = PREMIUM === 'own';
const HEARTBEAT_SEC = 10;
const BASELINE_SECONDS = 10;
const METRICS_PORT = 19_464;
/** The overload control's event→sink limit for the soak (overload.eventToSinkSeconds; default 2). */
const EVENT_TO_SINK_SECONDS = Number(process.env.EVENT_TO_SINK_SECONDS ?? 2);
const config = testConfig();
const runs = new PlaybackRuns(config);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Resident memory of every `reelstream run` process (the command and its stream threads), MiB. */
function jobRssMiB(): number {
  const lines = execFileSync('ps', ['-eo', 'rss=,args='], { encoding: 'utf8' }).split('\n');
  return lines
    .filter((line) => line.includes('reelstream.js run'))
    .reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]) / 1024, 0);
}

/**
 * Mean durations over the soak from the job's /metrics, per histogram and label set: where the time of
 * a turn goes (a batch processed, a commit, a sink flush) — what premium waits behind.
 */
function meanTimings(metrics: string): string[] {
  const names = [
    'reelstream_batch_processing_duration_seconds',
    'reelstream_commit_duration_seconds',
    'reelstream_sink_flush_duration_seconds',
  ];
  const sums = new Map<string, { sum: number; count: number }>();
  for (const line of metrics.split('\n')) {
    const match = /^(\w+)_(sum|count)(\{[^}]*\})? ([\d.e+-]+)$/.exec(line);
    if (!match || !names.includes(match[1] as string)) continue;
    const key = `${match[1]}${match[3] ?? ''}`;
    const entry = sums.get(key) ?? { sum: 0, count: 0 };
    entry[match[2] as 'sum' | 'count'] = Number(match[4]);
    sums.set(key, entry);
  }
  return [...sums]
    .filter(([, { count }]) => count > 0)
    .map(([key, { sum, count }]) => `${key}: mean ${fmt((sum / count) * 1_000)} ms × ${fmt(count)}`);
}

async function capacity(): Promise<number> {
  // Sessions × duration / heartbeat ≈ events: a backlog of about CAPACITY_EVENTS.
  const run = await runs.prepare('bench-capacity', 120, {
    sessions: Math.round((CAPACITY_EVENTS * HEARTBEAT_SEC) / 120),
    tierLanes,
  });
  const started = Date.now();
  const processor = runs.start(run, join(tmpdir(), `${run.run}.log`));
  await runs.waitUntilCaughtUp(run, 900_000, processor);
  const seconds = (Date.now() - started) / 1000;
  await processor.stop('SIGTERM');
  return run.expected.events / seconds;
}

async function soak(rate: number) {
  const run = await runs.prepare('bench-overload', 120, { live: true, tierLanes });
  const configFile = join(tmpdir(), `${run.run}-config.json`);
  writeFileSync(
    configFile,
    JSON.stringify({ ...config, overload: { mode: 'adaptive', eventToSinkSeconds: EVENT_TO_SINK_SECONDS } }),
  );
  const processor = runs.start(
    run,
    join(tmpdir(), `${run.run}.log`),
    { REELSTREAM_CONFIG: configFile },
    ['--metrics-port', String(METRICS_PORT)],
    { premium: premiumOwn },
  );
  await processor.waitForLog('started', 120_000, premiumOwn ? 2 : 1);
  // Premium latency at rest first, the floor of the whole path (broker, job, Redis, the probe's poll),
  // for BASELINE_SECONDS; then over the soak.
  const probe = await startPremiumProbe(
    runs,
    run,
    tierLanes ? tierLaneTopic(run.topic, 'premium') : run.topic,
    runs.envOf(run),
    BASELINE_SECONDS,
    premiumOwn ? 'content-premium' : 'content',
  );
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(jobRssMiB()), 1_000);
  const expected = await runs.produceLive(run, {
    sessions: Math.round(rate * HEARTBEAT_SEC),
    heartbeatSec: HEARTBEAT_SEC,
    durationSec: SOAK_SECONDS,
  });
  const { atRest: baseline, underLoad: samples } = await probe.stop();
  const timings = meanTimings(await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text());
  await runs.waitUntilCaughtUp(run, 900_000, processor);
  clearInterval(sampler);
  const up = processor.running();
  const premiumWindows = expected.windows.filter((w) => w.view === 'content-tier' && w.tier === 'premium');
  const keys = new RedisKeys(run.run);
  // Premium in the all-tier views (content-tier's premium entries) and, when it runs, in its own view.
  const premiumDifferences = async (view: 'content-tier' | 'content-premium') => {
    const values = await runs.redis.mget(
      premiumWindows.map((w) =>
        keys.aggregate(
          view,
          '1m',
          view === 'content-tier' ? w.dimension : w.dimension.replace(/\|premium$/, ''),
          w.windowStart,
        ),
      ),
    );
    return premiumWindows.filter((window, index) => {
      const actual = JSON.parse(values[index] ?? '{}') as Record<string, number>;
      return (['starts', 'concurrentViewers', 'uniqueViewers', 'watchTimeMs'] as const).some(
        (f) => actual[f] !== window[f],
      );
    }).length;
  };
  const premiumSharedDifferences = await premiumDifferences('content-tier');
  const premiumOwnDifferences = premiumOwn ? await premiumDifferences('content-premium') : undefined;
  const ledger = await runs.clickhouse.queryRows<{
    viewer_tier: string;
    kept: string;
    sampled_out: string;
    shed: string;
  }>(
    `SELECT viewer_tier, sum(kept) AS kept, sum(sampled_out) AS sampled_out, sum(shed) AS shed
     FROM ${config.clickhouse.database}.shed_ledger FINAL WHERE source_topic = '${run.sampleLedgerTopic}' GROUP BY viewer_tier ORDER BY viewer_tier`,
  );
  await processor.stop('SIGTERM');
  return {
    expected,
    baseline,
    samples,
    timings,
    rss,
    up,
    premiumWindows: premiumWindows.length,
    premiumSharedDifferences,
    premiumOwnDifferences,
    ledger,
  };
}

void (async () => {
  try {
    await migrateDatabase(config.clickhouse);
    console.log(
      `lanes: ${LANES}; premium: ${premiumOwn ? 'its own view (playback-premium), which the probe watches' : 'the all-tier view'}; transport: ${config.kafka.transport}; overload.eventToSinkSeconds: ${EVENT_TO_SINK_SECONDS}`,
    );
    let offered = FIXED_RATE;
    if (offered === undefined) {
      const measured = await capacity();
      console.log(`capacity (backlog of ${fmt(CAPACITY_EVENTS)} events, overload off): ${fmt(measured)} events/s`);
      offered = measured * OVERLOAD_FACTOR;
    }
    const result = await soak(offered);
    console.log(
      `soak: ${SOAK_SECONDS} s live at ${FIXED_RATE === undefined ? `${OVERLOAD_FACTOR}×` : 'RATE'} = ${fmt(offered)} events/s offered, ${fmt(result.expected.events)} events produced (${fmt(result.expected.events / SOAK_SECONDS)}/s achieved by the simulator)`,
    );
    console.log(
      `premium event → Redis at rest (${BASELINE_SECONDS} s before the soak): p50 ${fmt(latencyPercentile(result.baseline, 0.5))} ms, p99 ${fmt(latencyPercentile(result.baseline, 0.99))} ms`,
    );
    console.log(
      `premium event → Redis over the soak: p50 ${fmt(latencyPercentile(result.samples, 0.5))} ms, p99 ${fmt(latencyPercentile(result.samples, 0.99))} ms (${result.samples.filter((s) => s.latencyMs !== undefined).length}/${result.samples.length} probes seen)`,
    );
    console.log(
      `premium exact: ${result.premiumWindows - result.premiumSharedDifferences}/${result.premiumWindows} windows of content-tier equal the expectation${result.premiumOwnDifferences === undefined ? '' : `; ${result.premiumWindows - result.premiumOwnDifferences}/${result.premiumWindows} of content-premium`}`,
    );
    for (const row of result.ledger)
      console.log(
        `ledger ${row.viewer_tier}: kept ${fmt(Number(row.kept))}, sampled out ${fmt(Number(row.sampled_out))}, shed ${fmt(Number(row.shed))}`,
      );
    for (const line of result.timings) console.log(`  ${line}`);
    const rss = result.rss.length === 0 ? [0] : result.rss;
    console.log(
      `job resident memory: start ${fmt(rss[0] as number)} MiB, peak ${fmt(Math.max(...rss))} MiB, end ${fmt(rss.at(-1) as number)} MiB; process up after the soak: ${result.up}`,
    );
  } finally {
    await runs.cleanup();
  }
})();
