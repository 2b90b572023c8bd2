import { readFileSync } from 'node:fs';
import { rdkafkaTransport } from '../../runtime/kafka/rdkafka/transport';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { DLQ_HEADERS } from '../../runtime/dlq/dead-letter-message';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { kafkajsTransport } from '../../runtime/kafka/kafkajs/transport';
import { uncommittedRecords } from '../../runtime/kafka/uncommitted';
import { changelogTopic, dlqTopic, laneRepartitionTopic, repartitionTopic } from '../../runtime/naming';
import { avroType } from '../../schemas/catalog';
import { AvroSerializer } from '../../schemas/serde/avro-serializer';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { playbackEvent } from '../../schemas/testing/playback-event';
import type { ContentMetadata, PlaybackEvent } from '../../schemas/types.generated';
import type { ExpectedAggregates } from '../../simulator/expected';
import { catalogCampaign, finalCatalog } from '../../simulator/catalog';
import { produceScenario } from '../../simulator/produce';
import { produceCatalog } from '../../simulator/produce-catalog';
import { playbackSource, TIER_PRIORITY } from '../../processors/playback/tier-lanes';
import { scenarioSchema, type Scenario } from '../../simulator/scenario';
import { validate } from '../../simulator/validate';
import { connectClickhouse, type ClickhouseConnection } from '../../sinks/clickhouse/connection';
import { RedisKeys } from '../../sinks/redis/keys';
import { startProcessor, stopAllProcessors, type Processor, type Progress } from './processor';
import { uniqueName } from './unique';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';

/**
 * The playback-analytics topology run as users run it (`reelstream run playback-analytics` as a
 * child process) on a seeded simulated backlog, and checked by the validation `reelstream validate`
 * runs — the accuracy suite's and the fault suite's common ground. Every run has unique topic, group,
 * key prefix and rows, all removed by `cleanup()`.
 *
 * Why this file is over 400 lines: preparing, running, measuring and removing a run all derive the
 * same names (topics per lane, groups, keys, rows) from it; kept in one class, they cannot drift apart.
 */
const REPARTITIONS = ['by-content', 'by-live-event'];

/** The real-time path's repartition topics: one per repartition, or on tier lanes one per tier priority. */
function repartitionTopicsOf(app: string, tierLanes: boolean, names = REPARTITIONS): string[] {
  return names.flatMap((name) =>
    tierLanes
      ? Object.values(TIER_PRIORITY).map((priority) =>
          priority === 0 ? repartitionTopic(app, name) : laneRepartitionTopic(app, name, priority),
        )
      : [repartitionTopic(app, name)],
  );
}

/** The historical path's application id beside a real-time one (topologies/playback-history.ts). */
export const historyApp = (app: string) => `${app}-history`;
/** Premium's own view's application id beside a real-time one (topologies/playback-premium.ts). */
export const premiumApp = (app: string) => `${app}-premium`;
const STORES = ['content-minute', 'content-10s', 'live-minute'];

export interface PlaybackRun {
  run: string;
  /** The real-time application (playback-analytics); the historical one is `<app>-history`. */
  app: string;
  topic: string;
  /** Where the real-time application writes each minute's final rollups for the historical one. */
  rollupsTopic: string;
  /** Where its overload sampler writes what it kept, sampled out and shed (the historical one stores it). */
  sampleLedgerTopic: string;
  /** Every topic the run's events are in: the topic, and its tier lanes when the run has them. */
  inputs: string[];
  /** The events were produced to the tier lanes, and the topology reads them (PLAYBACK_LANES=tiers). */
  tierLanes: boolean;
  /** The run's catalog topic: titles and availability of its contents, produced before the playback. */
  catalogTopic: string;
  expected: ExpectedAggregates;
  startMs: number;
}

export class PlaybackRuns {
  readonly kafka: Kafka;
  readonly redis: Redis;
  readonly clickhouse: ClickhouseConnection;
  private admin: Admin | undefined;
  readonly registry;
  private readonly cleanups: PlaybackRun[] = [];
  /** Each run's final catalog, for the expectation of what it produces. */
  private readonly catalogs = new Map<string, Map<string, ContentMetadata>>();

  constructor(readonly config: ReelstreamConfig) {
    this.kafka = createKafkaJs(config.kafka, { clientId: 'reelstream-playback-it' });
    this.registry = connectSchemaRegistry(config.schemaRegistry);
    this.redis = new Redis(config.redis.url);
    this.clickhouse = connectClickhouse(config.clickhouse);
  }

  async adminClient(): Promise<Admin> {
    if (!this.admin) {
      this.admin = this.kafka.admin();
      await this.admin.connect();
    }
    return this.admin;
  }

  /**
   * A topic with a produced backlog of `durationSec` seconds of 2,000 sessions, its catalog (a title
   * for every content, an update campaign with deletes, regional licences of which some end during
   * the run), and what the two must yield.
   */
  async prepare(
    prefix: string,
    durationSec = 240,
    options: { tierLanes?: boolean; live?: boolean; sessions?: number } = {},
  ): Promise<PlaybackRun> {
    const admin = await this.adminClient();
    const run = uniqueName(prefix).replace(/_/g, '-');
    const app = `${run}-app`;
    const topic = `${run}-plays`;
    const catalogTopic = `${run}-catalog`;
    const rollupsTopic = `${run}-rollups`;
    const sampleLedgerTopic = `${run}-sample-ledger`;
    const tierLanes = options.tierLanes === true;
    const inputs = tierLanes ? playbackSource(topic, 'tiers').topics : [topic];
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        ...inputs.map((input) => ({ topic: input, numPartitions: 3 })),
        { topic: rollupsTopic, numPartitions: 3 },
        { topic: sampleLedgerTopic, numPartitions: 3 },
        { topic: catalogTopic, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    const scenario = scenarioSchema.parse({
      seed: 20261122,
      sessions: options.sessions ?? 2_000,
      durationSec,
      contents: 20,
      contentPrefix: run,
      startMs: Math.floor((Date.now() - 4 * 3_600_000) / 60_000) * 60_000,
      liveEvent: {
        startSec: Math.floor(durationSec / 4),
        endSec: Math.floor((durationSec * 5) / 6),
        share: 0.1,
        rampSec: 10,
      },
    });
    const campaign = catalogCampaign({
      seed: scenario.seed,
      contentPrefix: run,
      contents: scenario.contents,
      regions: scenario.regions,
      updates: 60,
      startMs: scenario.startMs as number,
    });
    await produceCatalog(campaign.records, this.config.kafka, this.registry, { topic: catalogTopic });
    this.catalogs.set(run, finalCatalog(campaign.expected));
    const expected = options.live
      ? { topic, topics: inputs, events: 0, lastEventTimeMs: 0, windows: [] }
      : await this.produceScenario(run, topic, tierLanes, scenario);
    const prepared = {
      run,
      app,
      topic,
      rollupsTopic,
      sampleLedgerTopic,
      inputs,
      tierLanes,
      catalogTopic,
      expected,
      startMs: scenario.startMs as number,
    };
    this.cleanups.push(prepared);
    return prepared;
  }

  /**
   * Plays a live audience (simulate --live: one simulated second per second from now) into a run
   * prepared with `live`, and returns what it must yield. The scenario's defaults are prepare()'s.
   */
  async produceLive(run: PlaybackRun, scenario: Partial<Scenario>): Promise<ExpectedAggregates> {
    const live = scenarioSchema.parse({
      seed: 20261206,
      sessions: 2_000,
      durationSec: 120,
      contents: 20,
      contentPrefix: run.run,
      ...scenario,
      startMs: Date.now(),
    });
    run.expected = await this.produceScenario(run.run, run.topic, run.tierLanes, live, true);
    run.startMs = live.startMs as number;
    return run.expected;
  }

  private async produceScenario(
    run: string,
    topic: string,
    tierLanes: boolean,
    scenario: Scenario,
    live = false,
  ): Promise<ExpectedAggregates> {
    const expectedFile = join(tmpdir(), `${run}-expected.json`);
    await produceScenario(scenario, this.config.kafka, this.registry, {
      topic,
      tierLanes,
      live,
      expectedFile,
      catalog: this.catalogs.get(run),
    });
    return JSON.parse(readFileSync(expectedFile, 'utf8')) as ExpectedAggregates;
  }

  /**
   * `reelstream run playback-analytics playback-history`: the real-time and the historical path, side
   * by side; with `premium`, premium's own view too (playback-premium, in a process of its own).
   */
  start(
    run: PlaybackRun,
    logFile: string,
    env: Record<string, string> = {},
    extraArgs: string[] = [],
    options: { premium?: boolean } = {},
  ): Processor {
    return startProcessor(
      [
        ...(options.premium ? ['playback-premium'] : []),
        'playback-analytics',
        'playback-history',
        '--instance-id',
        'only',
        ...extraArgs,
      ],
      { ...this.envOf(run), ...env },
      logFile,
    );
  }

  /** The environment that points the playback topologies at this run's topics, application ids and keys. */
  envOf({
    app,
    topic,
    rollupsTopic,
    sampleLedgerTopic,
    catalogTopic,
    run,
    tierLanes,
  }: PlaybackRun): Record<string, string> {
    return {
      PLAYBACK_APP: app,
      PLAYBACK_TOPIC: topic,
      PLAYBACK_LANES: tierLanes ? 'tiers' : 'none',
      PLAYBACK_ROLLUPS_TOPIC: rollupsTopic,
      PLAYBACK_SAMPLE_LEDGER_TOPIC: sampleLedgerTopic,
      CATALOG_TOPIC: catalogTopic,
      REDIS_KEY_PREFIX: run,
    };
  }

  /** Records not yet covered by the groups' committed offsets, of both applications. */
  async uncommitted(run: PlaybackRun): Promise<number> {
    return (await this.uncommittedOf(run, 'realtime')) + (await this.uncommittedOf(run, 'history'));
  }

  /**
   * Records one application has not committed yet: the real-time one's inputs and repartition
   * topics, or the historical one's inputs and the rollups.
   */
  async uncommittedOf(
    { app, inputs, rollupsTopic, sampleLedgerTopic, tierLanes }: PlaybackRun,
    path: 'realtime' | 'history',
  ): Promise<number> {
    const sources = inputs.map((input) => ({ topic: input, transactional: false }));
    return uncommittedRecords(
      kafkajsAdmin(await this.adminClient()),
      path === 'realtime' ? app : historyApp(app),
      path === 'realtime'
        ? [...sources, ...repartitionTopicsOf(app, tierLanes).map((topic) => ({ topic, transactional: true }))]
        : [...sources, { topic: rollupsTopic, transactional: true }, { topic: sampleLedgerTopic, transactional: true }],
      () => rdkafkaTransport(this.config.kafka).partitionReader(),
    );
  }

  /** The historical application's committed offsets over the run's inputs, summed. */
  async historyCommitted({ app, inputs }: PlaybackRun): Promise<number> {
    const offsets = await (await this.adminClient()).fetchOffsets({ groupId: historyApp(app), topics: inputs });
    return offsets
      .flatMap((topic) => topic.partitions)
      .reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
  }

  /** Waits until the run's input is committed; `processor` given, fails at once if it exited. */
  async waitUntilCaughtUp(run: PlaybackRun, timeoutMs = 240_000, processor?: { running(): boolean }): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (processor && !processor.running()) throw new Error(`${run.app} exited before it caught up (see its log)`);
      if ((await this.uncommitted(run).catch(() => -1)) === 0) return;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    throw new Error(`${run.app} did not catch up within ${timeoutMs} ms`);
  }

  /** The crash tests' measure: the counting stage's committed offsets, and whether all is processed. */
  async progress(run: PlaybackRun): Promise<Progress> {
    const admin = await this.adminClient();
    const offsets = await admin.fetchOffsets({
      groupId: run.app,
      topics: repartitionTopicsOf(run.app, run.tierLanes, ['by-content']),
    });
    const stateful = offsets
      .flatMap((topic) => topic.partitions)
      .reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    return { stateful, caughtUp: (await this.uncommitted(run)) === 0 };
  }

  /**
   * One later heartbeat per content moves every task's stream time past the measured windows' grace,
   * so each measured minute becomes final and is rolled up; the windows it opens are not measured.
   * Sent once everything else is processed: sent with a backlog it could overtake other partitions'
   * events in the repartition topic and make them late.
   */
  async closeWindows(run: PlaybackRun): Promise<number> {
    const { expected, startMs } = run;
    const contents = [...new Set(expected.windows.filter((w) => w.view === 'content').map((w) => w.contentId))];
    await this.produce(
      run,
      await this.encode(
        run,
        contents.map((contentId, i) =>
          playbackEvent({
            eventId: `closer-${i}`,
            sessionId: `closer-${i}`,
            viewerId: 'closer',
            contentId,
            liveEventId: 'live-event-1',
            eventTimeMs: startMs + 3 * 3_600_000,
          }),
        ),
      ),
    );
    return contents.length;
  }

  /** Events in the topic's Avro wire format (registered writer schema). */
  async encode({ topic }: PlaybackRun, events: PlaybackEvent[]): Promise<Buffer[]> {
    const serializer = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), `${topic}-value`, this.registry);
    await serializer.init();
    return events.map((event) => serializer.encode(event));
  }

  /** Sends values as they are (Avro or not) to the run's topic; returns their offsets' partitions and keys. */
  async produce({ topic }: PlaybackRun, values: Buffer[], keyPrefix = 'closer'): Promise<void> {
    const producer = this.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `${keyPrefix}-${i}`, value })) });
    await producer.disconnect();
  }

  /** The DLQ's records with their headers. */
  async deadLetters({ app }: PlaybackRun): Promise<{ key: string; bytes: number; headers: Record<string, string> }[]> {
    const letters: { key: string; bytes: number; headers: Record<string, string> }[] = [];
    const reader = kafkajsTransport(this.config.kafka).partitionReader();
    await reader.readToEnd([{ topic: dlqTopic(app), partition: 0 }], (record) =>
      letters.push({ key: String(record.key), bytes: record.value?.length ?? 0, headers: record.headers ?? {} }),
    );
    await reader.disconnect();
    return letters;
  }

  /** The DLQ's records by reason (read committed, as any consumer of it reads them). */
  async deadLetterReasons({ app }: PlaybackRun): Promise<Record<string, number>> {
    const reasons: Record<string, number> = {};
    const reader = kafkajsTransport(this.config.kafka).partitionReader();
    await reader.readToEnd([{ topic: dlqTopic(app), partition: 0 }], (record) => {
      const reason = record.headers?.[DLQ_HEADERS.reason] ?? 'unknown';
      reasons[reason] = (reasons[reason] ?? 0) + 1;
    });
    await reader.disconnect();
    return reasons;
  }

  /** Every Redis view, every rollup and the raw rows against the expectation; the differences. */
  async differences(
    { run, expected, inputs }: PlaybackRun,
    closers: number,
    redis: Redis = this.redis,
  ): Promise<{ lines: string[]; differences: string[] }> {
    const report = await validate(
      { ...expected, topics: inputs, events: expected.events + closers },
      {
        redis,
        keys: new RedisKeys(run),
        clickhouse: this.clickhouse,
        database: this.config.clickhouse.database,
        finalBeforeMs: Number.POSITIVE_INFINITY,
      },
    );
    return { lines: report.lines, differences: report.differences.slice(0, 8) };
  }

  /** Stops what the runs left and removes their topics, group, keys and rows. */
  async cleanup(): Promise<void> {
    await stopAllProcessors();
    const admin = await this.adminClient();
    const database = this.config.clickhouse.database;
    for (const { app, inputs, rollupsTopic, sampleLedgerTopic, catalogTopic, run, tierLanes } of this.cleanups) {
      await admin
        .deleteTopics({
          topics: [
            ...inputs,
            rollupsTopic,
            sampleLedgerTopic,
            catalogTopic,
            dlqTopic(app),
            dlqTopic(historyApp(app)),
            dlqTopic(premiumApp(app)),
            ...repartitionTopicsOf(app, tierLanes),
            ...STORES.map((store) => changelogTopic(app, store)),
            changelogTopic(premiumApp(app), 'premium-minute'),
          ],
        })
        .catch(() => undefined);
      await admin.deleteGroups([app, historyApp(app), premiumApp(app)]).catch(() => undefined);
      const keys = await this.redis.keys(`${run}:*`);
      // In slices: a long soak leaves more keys than one call's arguments may spread.
      for (let at = 0; at < keys.length; at += 10_000) await this.redis.del(...keys.slice(at, at + 10_000));
      await this.clickhouse
        .command(
          `ALTER TABLE ${database}.playback_events DELETE WHERE source_topic IN (${inputs.map((input) => `'${input}'`).join(', ')})`,
        )
        .catch(() => undefined);
      await this.clickhouse
        .command(`ALTER TABLE ${database}.playback_minute DELETE WHERE content_id LIKE '${run}%'`)
        .catch(() => undefined);
      await this.clickhouse
        .command(`ALTER TABLE ${database}.shed_ledger DELETE WHERE source_topic = '${sampleLedgerTopic}'`)
        .catch(() => undefined);
    }
    await admin.disconnect();
    this.redis.disconnect();
    await this.clickhouse.close();
  }
}
