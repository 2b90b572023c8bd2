import type Redis from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import type { PlaybackEvent } from '../schemas/types.generated';
import { windowStartOf, type RedisKeys } from '../sinks/redis/keys';

export interface ProbeOptions {
  kafka: Kafka;
  registry: SchemaRegistryClient;
  redis: Redis;
  keys: RedisKeys;
  /** Where the pipeline reads playback events. */
  topic: string;
  /** A content of the probe's own: its 1-minute window in `view` counts the probes' starts. */
  contentId: string;
  /** The Redis view watched: `content` (every tier, playback-analytics; the default) or `content-premium` (premium's own, playback-premium). */
  view?: string;
  /** Between two probes. Default 100 ms. */
  intervalMs?: number;
}

/** When a probe was sent, and how long until Redis counted it (undefined: not yet). */
export interface ProbeSample {
  sentAt: number;
  latencyMs?: number;
}

/**
 * Measures event → Redis latency as a dashboard sees it: sends a premium `start` event of a content
 * of its own every `intervalMs` (a lifecycle event of the top tier: never sampled nor shed) and polls
 * that content's 1-minute window of `view` in Redis; the n-th start counted is the n-th probe sent, visible
 * after now − sentAt. Probes of one minute land in one window, so the count grows by one per probe.
 */
export class RedisLatencyProbe {
  readonly samples: ProbeSample[] = [];
  private producer: Producer | undefined;
  private stopping = false;
  private sending: Promise<void> | undefined;
  private watching: Promise<void> | undefined;
  private watchingDone = false;

  constructor(private readonly options: ProbeOptions) {}

  async start(): Promise<void> {
    const { kafka, registry, topic } = this.options;
    const serializer = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), `${topic}-value`, registry);
    await serializer.init();
    const producer = kafka.producer();
    this.producer = producer;
    await producer.connect();
    this.sending = this.send(producer, serializer);
    this.watching = this.watch();
  }

  /** Stops sending, waits up to `drainMs` for the last probes to show, and returns every sample. */
  async stop(drainMs = 15_000): Promise<ProbeSample[]> {
    this.stopping = true;
    await this.sending;
    const deadline = Date.now() + drainMs;
    while (this.samples.some((sample) => sample.latencyMs === undefined) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    this.watchingDone = true;
    await this.watching;
    await this.producer?.disconnect();
    return this.samples;
  }

  private async send(producer: Producer, serializer: AvroSerializer<PlaybackEvent>): Promise<void> {
    const interval = this.options.intervalMs ?? 100;
    for (let i = 0; !this.stopping; i += 1) {
      const now = Date.now();
      const id = `${this.options.contentId}-probe-${i}`;
      this.samples.push({ sentAt: now });
      await producer.send({
        topic: this.options.topic,
        messages: [
          {
            // Keyed by content, as the premium lane is (processors/playback/tier-lanes.ts, laneKeyOf).
            key: this.options.contentId,
            value: serializer.encode(probeEvent(id, this.options.contentId, now)),
            timestamp: String(now),
          },
        ],
      });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, interval - (Date.now() - now))));
    }
  }

  private async watch(): Promise<void> {
    const { redis, keys, contentId, view = 'content' } = this.options;
    let seen = 0;
    while (!this.watchingDone) {
      const now = Date.now();
      // The probes so far span at most the minutes since the first one.
      const first = this.samples[0]?.sentAt ?? now;
      const minutes: number[] = [];
      for (let start = windowStartOf(first, '1m'); start <= now; start += 60_000) minutes.push(start);
      const values =
        minutes.length === 0
          ? []
          : await redis.mget(minutes.map((start) => keys.aggregate(view, '1m', contentId, start)));
      const counted = values.reduce(
        (sum, json) => sum + (json ? (JSON.parse(json) as { starts: number }).starts : 0),
        0,
      );
      for (; seen < Math.min(counted, this.samples.length); seen += 1)
        (this.samples[seen] as ProbeSample).latencyMs = now - (this.samples[seen] as ProbeSample).sentAt;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Nearest-rank percentile of the latencies of `samples` (those seen). */
export function latencyPercentile(samples: readonly ProbeSample[], p: number): number {
  const latencies = samples
    .map((sample) => sample.latencyMs)
    .filter((ms): ms is number => ms !== undefined)
    .sort((a, b) => a - b);
  return latencies[Math.max(0, Math.ceil(p * latencies.length) - 1)] ?? Number.NaN;
}

function probeEvent(id: string, contentId: string, now: number): PlaybackEvent {
  return {
    eventId: id,
    sessionId: id,
    viewerId: id,
    contentId,
    liveEventId: null,
    eventType: 'start',
    eventTimeMs: now,
    positionMs: 0,
    bitrateKbps: 3_000,
    bufferingMs: 0,
    startupTimeMs: 500,
    errorCode: null,
    deviceType: 'web',
    region: 'eu-west',
    cdnEdge: 'edge-0',
    viewerTier: 'premium',
    appVersion: 'probe',
  };
}
