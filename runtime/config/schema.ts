import { z } from 'zod';

/**
 * The configuration of a reelstream application and of the local stack, validated at start.
 * Every field has a default that matches the local stack (`reelstream stack up`) and the
 * docker-compose.yml, so an empty config file works on a developer machine.
 */
const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9092');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const kafkaConfigSchema = z.strictObject({
  brokers: z.array(hostPort).min(1, 'needs at least one broker').default(['127.0.0.1:9092']),
  clientId: z.string().min(1).default('reelstream'),
  /** Which client library carries records: kafkajs (pure JS) or node-rdkafka (librdkafka). */
  transport: z.enum(['kafkajs', 'rdkafka']).default('kafkajs'),
  /**
   * rdkafka: how long a member may go without fetching before librdkafka leaves the group. The
   * runtime keeps fetching (nothing: every partition is paused) while it restores state, so a long
   * restore does not cost the membership. At least the 10 s session timeout.
   */
  maxPollIntervalMs: z.int().min(10_000, 'must be at least the 10 s session timeout').default(300_000),
  /** TLS on the broker connection; passed through to the client. */
  ssl: z.boolean().default(false),
  sasl: z
    .strictObject({
      mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
      username: z.string().min(1),
      password: z.string(),
    })
    .optional(),
});

export const schemaRegistryConfigSchema = z.strictObject({
  /** Confluent-compatible API root. Apicurio serves it under /apis/ccompat/v7. */
  url: httpUrl.default('http://127.0.0.1:8081/apis/ccompat/v7'),
  username: z.string().optional(),
  password: z.string().optional(),
});

export const redisConfigSchema = z.strictObject({
  url: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  /**
   * Every Redis command fails after this long: without it, a pipeline to a server that accepts
   * connections and drops them waits forever. The sinks retry what failed.
   */
  commandTimeoutMs: z.int().min(100, 'must be at least 100 ms').default(10_000),
  /**
   * How long the cache's level-2 invalidation marks live after an invalidation last raised them
   * (docs/cache.md, "The guard"): longer than any origin read a fill may carry.
   */
  cacheMarkTtlMs: z.int().min(1_000, 'must be at least 1000 ms').default(3_600_000),
  /** First part of every key reelstream writes (docs/redis-keys.md). */
  keyPrefix: z
    .string()
    .regex(/^[^\s:]+$/, 'must be non-empty, without spaces or ":"')
    .default('reelstream'),
});

export const clickhouseConfigSchema = z.strictObject({
  url: httpUrl.default('http://127.0.0.1:8123'),
  username: z.string().default('default'),
  password: z.string().default(''),
  database: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier')
    .default('reelstream'),
});

/** Kafka Streams' default under exactly-once: results reach sinks and readers within about this long. */
export const DEFAULT_COMMIT_INTERVAL_MS = 100;

export const processingConfigSchema = z.strictObject({
  /**
   * How often a stream thread commits: the latency knob. Every commit flushes the sinks and commits
   * a transaction, so a longer interval trades freshness for fewer, larger transactions.
   * `--commit-interval` overrides it.
   */
  commitIntervalMs: z
    .int()
    .min(1, 'must be at least 1 ms')
    .max(3_600_000, 'must be at most 3600000 ms (an hour)')
    .default(DEFAULT_COMMIT_INTERVAL_MS),
  /** An event time further ahead of the wall clock than this goes to the DLQ as `future-event-time`. */
  maxEventTimeAheadMs: z
    .int()
    .min(0, 'must be 0 or more milliseconds')
    .default(15 * 60_000),
  /**
   * Event-time-aligned consumption: records are taken in event-time order across the source
   * partitions, so a backlog gives the results live traffic gives. A partition known to have records
   * not yet fetched holds the others back for at most this long.
   */
  alignmentMaxWaitMs: z.int().min(0, 'must be 0 or more milliseconds').default(5_000),
  /**
   * With lanes (topics read with priorities), how far in event time a higher lane may run ahead of a
   * lower one that lags; below the windows' grace, or the lower lane's records would come late (a
   * start fails then). Absent: the topology's smallest grace less 15 s, at least half of it;
   * unbounded without windows (runtime/flow/lane-drift.ts).
   */
  alignmentMaxLaneDriftMs: z.int().min(0, 'must be 0 or more milliseconds').optional(),
  /**
   * Records fetched and taken through the tasks per turn of a stream thread's loop (Kafka's
   * max.poll.records): backpressure, commits and the other applications of the process get their turn
   * between two, so a smaller turn serves a priority lane sooner, at some cost in throughput.
   */
  maxBatchRecords: z.int().min(1, 'must be at least 1').max(100_000, 'must be at most 100000').default(5_000),
  /** A sink failing for longer than this logs "pipeline stalled" (and again each such interval). */
  stallWarningMs: z.int().min(1_000, 'must be at least 1000 ms').default(30_000),
  /**
   * Stream threads of `reelstream run` under one command (child processes, each with its own consumer,
   * producer, tasks and sinks), as Kafka Streams' num.stream.threads. `--threads` overrides it.
   */
  threads: z.int().min(1, 'must be at least 1').max(64, 'must be at most 64').default(1),
  /**
   * The niceness (CPU priority, 0–19) `reelstream run` gives the applications it runs beside a
   * `priority` one (which keeps its own, in a process of its own), so the operating system serves the
   * priority application first when the cores are saturated. 0 leaves every application's priority alone.
   */
  priorityNiceness: z.int().min(0, 'must be from 0 to 19').max(19, 'must be from 0 to 19').default(10),
  /**
   * Where state stores live: `memory` (the V8 heap), or `lmdb` (on disk below `stateDir`, with a
   * checkpoint at a clean stop so a restart restores only the changelog written since).
   */
  stateStore: z.enum(['memory', 'lmdb']).default('memory'),
  /** The directory of on-disk stores (`stateStore: lmdb`), relative to the working directory. */
  stateDir: z.string().min(1, 'must name a directory').default('.reelstream/state'),
});

/**
 * Overload control (docs/overload.md). Pressure is the largest of the watched signals over its
 * limit; at 1 a topology that samples (playback analytics) starts sampling its lowest lanes, then
 * sheds by its policy; an application with nothing to sample reports itself lagging.
 */
export const overloadConfigSchema = z.strictObject({
  /**
   * `off`: never sample nor shed — every figure exact, an overload waits in Kafka (backpressure).
   * `adaptive`: sample, then shed, under pressure; figures become unbiased estimates. Never use it
   * for a replay or a backfill, whose event-time lag is its nature.
   */
  mode: z.enum(['off', 'adaptive']).default('off'),
  /** Processing this far behind live (wall clock minus the newest event time processed) is pressure 1. */
  lagSeconds: z.number().positive('must be positive').default(10),
  /** A commit ending this long after its newest event is pressure 1. */
  eventToSinkSeconds: z.number().positive('must be positive').default(2),
  /** Sink load at this share of the backpressure high-water mark is pressure 1. */
  sinkFill: z.number().positive('must be positive').default(1),
  /** How often the controller adapts. */
  tickMs: z.int().min(50, 'must be at least 50 ms').default(1_000),
});

export const configSchema = z.strictObject({
  /** Names the consumer group, the DLQ topic and the changelog/repartition topics. */
  applicationId: z
    .string()
    .regex(/^[a-z][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"')
    .default('reelstream'),
  /** Where the local stack keeps its downloads, data, logs and pid files. */
  stateDir: z.string().min(1).default('.reelstream'),
  kafka: kafkaConfigSchema.prefault({}),
  schemaRegistry: schemaRegistryConfigSchema.prefault({}),
  redis: redisConfigSchema.prefault({}),
  clickhouse: clickhouseConfigSchema.prefault({}),
  processing: processingConfigSchema.prefault({}),
  overload: overloadConfigSchema.prefault({}),
});

export type ReelstreamConfig = z.infer<typeof configSchema>;
export type KafkaConfig = ReelstreamConfig['kafka'];
export type ClickhouseConfig = ReelstreamConfig['clickhouse'];
