import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import Redis from 'ioredis';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { latencyPercentile, RedisLatencyProbe, type ProbeSample } from '../../simulator/latency-probe';
import { RedisKeys } from '../../sinks/redis/keys';
import { configFrom } from '../options';

const positiveInteger = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0)
    throw new InvalidArgumentError(`${name} must be a positive integer, not "${value}"`);
  return number;
};

interface ProbeCommandOptions {
  topic: string;
  contentId?: string;
  view: string;
  interval: number;
  duration?: number;
  reportEvery: number;
  samples?: string;
}

/** p50/p99 of the probes sent in [from, to), and how many of them Redis has not counted yet. */
function describePeriod(samples: readonly ProbeSample[], from: number, to: number): string {
  const sent = samples.filter(({ sentAt }) => sentAt >= from && sentAt < to);
  const seen = sent.filter(({ latencyMs }) => latencyMs !== undefined);
  if (seen.length === 0) return `${sent.length} probes sent, none counted yet`;
  return `p50 ${latencyPercentile(sent, 0.5)} ms, p99 ${latencyPercentile(sent, 0.99)} ms (${seen.length}/${sent.length} counted)`;
}

/**
 * `reelstream probe`: event → Redis latency as a dashboard sees it, measured from outside the
 * pipeline (simulator/latency-probe.ts), in a process of its own so that nothing else on its event
 * loop — a load generator above all — delays the measuring. Prints a line per period while it runs
 * and the whole run's figures at the end; `--samples` keeps every probe for a benchmark or a test.
 */
export function registerProbeCommand(program: Command): void {
  program
    .command('probe')
    .description(
      'measure playback event → Redis latency as a dashboard sees it: send a premium start of a probe content every interval and time until the real-time path counts it in Redis',
    )
    .option(
      '--topic <topic>',
      'the topic the pipeline reads premium playback from (the premium lane when producers split by tier)',
      'playback.events.premium',
    )
    .option('--content-id <id>', 'the probe content, counted in its own window (default: a new one per run)')
    .option(
      '--view <view>',
      "the Redis view watched: content (every tier, playback-analytics) or content-premium (premium's own, playback-premium)",
      (value) => {
        if (value !== 'content' && value !== 'content-premium')
          throw new InvalidArgumentError(`--view must be "content" or "content-premium", not "${value}"`);
        return value;
      },
      'content',
    )
    .option('--interval <ms>', 'between two probes', positiveInteger('--interval'), 100)
    .option(
      '--duration <seconds>',
      'stop after this long (default: at SIGTERM or SIGINT)',
      positiveInteger('--duration'),
    )
    .option(
      '--report-every <seconds>',
      'print the latency of the last period this often',
      positiveInteger('--report-every'),
      10,
    )
    .option('--samples <file>', 'when done, write every probe (sent at, latency) there as JSON')
    .action(async (options: ProbeCommandOptions, command: Command) => {
      const config = configFrom(command);
      const redis = new Redis(config.redis.url);
      const contentId = options.contentId ?? `latency-probe-${Date.now()}`;
      const probe = new RedisLatencyProbe({
        kafka: createKafkaJs(config.kafka, { clientId: 'reelstream-probe' }),
        registry: connectSchemaRegistry(config.schemaRegistry),
        redis,
        keys: new RedisKeys(config.redis.keyPrefix),
        topic: options.topic,
        contentId,
        view: options.view,
        intervalMs: options.interval,
      });
      const started = Date.now();
      try {
        await probe.start();
        console.log(`probing ${options.topic} every ${options.interval} ms as content ${contentId}`);
        const reportMs = options.reportEvery * 1_000;
        // Each line reports the period before the last one: its probes had a period to be counted.
        const reporter = setInterval(() => {
          const to = Date.now() - reportMs;
          console.log(`probe: ${describePeriod(probe.samples, to - reportMs, to)}`);
        }, reportMs);
        await new Promise<void>((done) => {
          process.once('SIGTERM', done);
          process.once('SIGINT', done);
          if (options.duration !== undefined) setTimeout(done, options.duration * 1_000).unref();
        });
        clearInterval(reporter);
        const samples = await probe.stop();
        if (options.samples) writeFileSync(options.samples, JSON.stringify(samples));
        console.log(`probe, whole run: ${describePeriod(samples, started, Number.POSITIVE_INFINITY)}`);
      } finally {
        redis.disconnect();
      }
    });
}
