import { readFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError } from '../../core/errors';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { catalogCampaign, finalCatalog } from '../../simulator/catalog';
import { produceScenario, type Progress } from '../../simulator/produce';
import { produceCatalog } from '../../simulator/produce-catalog';
import { scenarioSchema } from '../../simulator/scenario';
import { scenarioStartMs } from '../../simulator/simulation';
import type { ContentMetadata } from '../../schemas/types.generated';
import { configFrom } from '../options';
import { simulateCache } from '../simulate-cache';

const integer = (name: string) => (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number)) throw new InvalidArgumentError(`${name} must be an integer, not "${value}"`);
  return number;
};

const numbers = (name: string, shape: string) => (value: string) => {
  const parts = value.split(',').map(Number);
  if (parts.some((part) => !Number.isFinite(part)))
    throw new InvalidArgumentError(`${name} must be ${shape}, not "${value}"`);
  return parts;
};

/** Simulated seconds done of all, with the events produced, their rate and the time taken (stderr). */
function progressBar(durationSec: number): { update(progress: Progress): void; stop(): void } {
  const bar = new SingleBar(
    {
      format: 'simulate [{bar}] {value}/{total} simulated s · {events} events · {rate} events/s · {elapsed} s',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5_000,
    },
    Presets.shades_classic,
  );
  bar.start(durationSec, 0, { events: '0', rate: '0', elapsed: '0.0' });
  return {
    update: ({ events, simulatedSecond, eventsPerSecond, elapsedMs }) =>
      bar.update(simulatedSecond, {
        events: events.toLocaleString('en-US'),
        rate: eventsPerSecond.toLocaleString('en-US'),
        elapsed: (elapsedMs / 1000).toFixed(1),
      }),
    stop: () => bar.stop(),
  };
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('play a seeded, deterministic audience into Kafka as Avro playback events (node-rdkafka)')
    .option('--scenario <file>', 'a JSON scenario (simulator/scenario.ts); flags override its fields')
    .option('--sessions <n>', 'concurrent sessions (up to 5,000,000)', integer('--sessions'))
    .option('--duration <seconds>', 'simulated event time', integer('--duration'))
    .option('--seed <n>', 'random seed', integer('--seed'))
    .option('--heartbeat <seconds>', 'heartbeat interval', integer('--heartbeat'))
    .option('--contents <n>', 'catalog size (Zipf popularity)', integer('--contents'))
    .option(
      '--flash-crowd <at,factor,duration>',
      'a flash crowd: second, multiplier, seconds',
      numbers('--flash-crowd', 'at,factor,duration'),
    )
    .option(
      '--live-event <start,end[,share]>',
      'a live event: start and end second, audience share',
      numbers('--live-event', 'start,end[,share]'),
    )
    .option('--rate <events/s>', 'target rate; default: as fast as possible', integer('--rate'))
    .option(
      '--live',
      'play in real time from now: one simulated second per second, so a flash crowd multiplies the event rate',
    )
    .option('--topic <topic>', 'where to produce', 'playback.events')
    .option(
      '--tier-lanes',
      "write each event to its viewer tier's lane, <topic>.premium / .standard / .basic (read with PLAYBACK_LANES=tiers)",
    )
    .option('--catalog', 'also produce the catalog first: a title for every content id of the scenario')
    .option(
      '--catalog-updates <n>',
      'then a catalog update campaign of n updates (out-of-order, duplicated, going backwards, conflicting, deletes); implies --catalog',
      integer('--catalog-updates'),
    )
    .option(
      '--catalog-rate <records/s>',
      'pace of the catalog records; default: as fast as possible',
      integer('--catalog-rate'),
    )
    .option('--catalog-topic <topic>', 'where the catalog goes', 'catalog.content')
    .option(
      '--cache-reads <readers>',
      'meanwhile, Zipf reads of the content cards through the read-through cache by this many readers; prints hit rates',
      integer('--cache-reads'),
    )
    .option(
      '--invalidation-storm <perSecond,seconds>',
      'meanwhile, a storm of prefix invalidations (prefix --storm-prefix) to --invalidation-topic',
      numbers('--invalidation-storm', 'perSecond,seconds'),
    )
    .option('--storm-prefix <prefix>', 'the prefix the storm invalidates (its versions are times)', 'storm:')
    .option(
      '--invalidation-topic <topic>',
      'the invalidation topic the cache reads and the storm writes',
      'cache.invalidation',
    )
    .option('--expected <file>', 'write the exact expected aggregates of what was produced (for `reelstream validate`)')
    .action(async (options: Record<string, unknown>, command: Command) => {
      const config = configFrom(command);
      const fromFile = options.scenario ? (JSON.parse(readFileSync(String(options.scenario), 'utf8')) as object) : {};
      const [flashAt, flashFactor, flashDuration] = (options.flashCrowd as number[] | undefined) ?? [];
      const [liveStart, liveEnd, liveShare] = (options.liveEvent as number[] | undefined) ?? [];
      const parsed = scenarioSchema.safeParse({
        ...fromFile,
        ...(options.sessions !== undefined ? { sessions: options.sessions } : {}),
        ...(options.duration !== undefined ? { durationSec: options.duration } : {}),
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.heartbeat !== undefined ? { heartbeatSec: options.heartbeat } : {}),
        ...(options.contents !== undefined ? { contents: options.contents } : {}),
        ...(flashAt !== undefined
          ? { flashCrowd: { atSec: flashAt, factor: flashFactor, durationSec: flashDuration } }
          : {}),
        ...(liveStart !== undefined
          ? {
              liveEvent: {
                startSec: liveStart,
                endSec: liveEnd,
                ...(liveShare !== undefined ? { share: liveShare } : {}),
              },
            }
          : {}),
      });
      if (!parsed.success)
        throw new ConfigError(
          `scenario: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
        );
      const catalogUpdates = options.catalogUpdates as number | undefined;
      if (catalogUpdates !== undefined && catalogUpdates < 0)
        throw new ConfigError(`--catalog-updates must not be negative, not ${catalogUpdates}`);
      if (options.live && options.rate !== undefined)
        throw new ConfigError('--live plays one simulated second per second: it cannot also take --rate');
      // One start for both: the catalog's availability windows are placed around the playback's.
      // Live: now (windows are minute-aligned whatever the start).
      const scenario = {
        ...parsed.data,
        startMs: options.live ? (parsed.data.startMs ?? Date.now()) : scenarioStartMs(parsed.data),
      };
      let catalog: Map<string, ContentMetadata> | undefined;
      if (options.catalog || catalogUpdates !== undefined) {
        const { records, expected } = catalogCampaign({
          seed: scenario.seed,
          contentPrefix: scenario.contentPrefix,
          contents: scenario.contents,
          regions: scenario.regions,
          updates: catalogUpdates ?? 0,
          startMs: scenario.startMs,
        });
        catalog = finalCatalog(expected);
        const sent = await produceCatalog(records, config.kafka, connectSchemaRegistry(config.schemaRegistry), {
          topic: String(options.catalogTopic),
          rate: options.catalogRate as number | undefined,
        });
        const deleted = [...expected.values()].filter((state) => state.deleted).length;
        console.log(
          `produced ${sent.toLocaleString('en-US')} catalog records to ${String(options.catalogTopic)}: ${expected.size} contents, ${deleted} deleted at the end`,
        );
      }
      const cacheReads = options.cacheReads as number | undefined;
      const [stormRate, stormSeconds] = (options.invalidationStorm as number[] | undefined) ?? [];
      if (cacheReads !== undefined && cacheReads < 1)
        throw new ConfigError(`--cache-reads must be at least 1 reader, not ${cacheReads}`);
      if (stormRate !== undefined && !(stormRate > 0 && (stormSeconds ?? 0) > 0))
        throw new ConfigError(
          `--invalidation-storm needs a positive rate and duration, not "${stormRate},${stormSeconds}"`,
        );
      let playbackDone!: () => void;
      const playback = new Promise<void>((resolve) => (playbackDone = resolve));
      const cacheWork =
        cacheReads !== undefined || stormRate !== undefined
          ? simulateCache(
              config,
              {
                readers: cacheReads,
                storm:
                  stormRate !== undefined
                    ? { perSecond: stormRate, seconds: stormSeconds as number, prefix: String(options.stormPrefix) }
                    : undefined,
                invalidationTopic: String(options.invalidationTopic),
                invalidationApplication: 'cache-invalidation',
                contents: scenario.contents,
                contentPrefix: scenario.contentPrefix,
              },
              playback,
            )
          : Promise.resolve([]);
      const bar = progressBar(scenario.durationSec);
      const result = await produceScenario(scenario, config.kafka, connectSchemaRegistry(config.schemaRegistry), {
        topic: String(options.topic),
        tierLanes: options.tierLanes === true,
        rate: options.rate as number | undefined,
        live: options.live === true,
        expectedFile: options.expected as string | undefined,
        catalog,
        onProgress: (progress) => bar.update(progress),
      })
        .finally(() => bar.stop())
        .finally(playbackDone); // the cache workload ends with the playback, however it ends
      for (const line of await cacheWork) console.log(line);
      console.log(
        `produced ${result.events.toLocaleString('en-US')} events to ${String(options.topic)} in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.eventsPerSecond.toLocaleString('en-US')} events/s)` +
          (result.expected
            ? `; expected aggregates of ${result.expected.windows.length} windows in ${String(options.expected)}`
            : ''),
      );
    });
}
