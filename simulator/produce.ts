import { writeFileSync } from 'node:fs';
import { CODES, Producer, type LibrdKafkaError } from 'node-rdkafka';
import type { KafkaConfig } from '../runtime/config/schema';
import { ServiceUnavailableError } from '../core/errors';
import { avroType } from '../schemas/catalog';
import { AvroSerializer } from '../schemas/serde/avro-serializer';
import type { SchemaRegistryClient } from '../schemas/serde/registry-client';
import type { ContentMetadata, PlaybackEvent } from '../schemas/types.generated';
import { laneKeyOf, laneTopicOf, tierLaneTopic, VIEWER_TIERS } from '../processors/playback/tier-lanes';
import { ExpectedCollector, type ExpectedAggregates } from './expected';
import type { Scenario } from './scenario';
import { Simulation } from './simulation';

export interface ProduceOptions {
  topic: string;
  /** Write each event to its viewer tier's lane, `<topic>.<tier>`, rather than to `topic` (processors/playback/tier-lanes.ts). */
  tierLanes?: boolean;
  /** Events per second of wall-clock time; undefined = as fast as the producer goes. */
  rate?: number;
  /**
   * Live: simulated second s is produced during wall-clock second s after the start (its events
   * spread over it), so the event rate follows the audience — a flash crowd multiplies it — and
   * event times are now when the scenario starts now. Excludes `rate`.
   */
  live?: boolean;
  /** Where to write the expected aggregates (JSON); undefined = not collected. */
  expectedFile?: string;
  /** The catalog the pipeline holds while it processes these events (titles, regional rights), for the expectation. */
  catalog?: ReadonlyMap<string, ContentMetadata>;
  /** Called about once a second with progress. */
  onProgress?: (progress: Progress) => void;
}

export interface Progress {
  events: number;
  simulatedSecond: number;
  durationSec: number;
  eventsPerSecond: number;
  elapsedMs: number;
}

export interface ProduceResult extends Progress {
  expected?: ExpectedAggregates;
}

/**
 * Plays a scenario into Kafka as Avro (Confluent wire format) through node-rdkafka, to one topic or
 * to the tier lanes beside it: second by
 * simulated second, at a target rate or as fast as the producer takes them, waiting for every
 * delivery report before it returns. A full local queue makes it wait, never drop.
 */
export async function produceScenario(
  scenario: Scenario,
  kafka: KafkaConfig,
  registry: SchemaRegistryClient,
  options: ProduceOptions,
): Promise<ProduceResult> {
  // One serializer per topic written: each registers the schema under its own topic's subject.
  const topics = options.tierLanes ? VIEWER_TIERS.map((tier) => tierLaneTopic(options.topic, tier)) : [options.topic];
  const serializers = new Map<string, AvroSerializer<PlaybackEvent>>();
  for (const topic of topics) {
    const serializer = new AvroSerializer<PlaybackEvent>(avroType('PlaybackEvent'), `${topic}-value`, registry);
    await serializer.init();
    serializers.set(topic, serializer);
  }
  const topicOf = (event: PlaybackEvent) => (options.tierLanes ? laneTopicOf(options.topic, event) : options.topic);
  const keyOf = (event: PlaybackEvent) => (options.tierLanes ? laneKeyOf(event) : event.sessionId);
  const producer = new Producer(
    {
      'metadata.broker.list': kafka.brokers.join(','),
      'client.id': `${kafka.clientId}-simulator`,
      'linger.ms': 20,
      'batch.num.messages': 10_000,
      'queue.buffering.max.messages': 1_000_000,
      // Uncompressed: kafkajs (the default transport) reads gzip only without codec plugins.
      'compression.codec': 'none',
      dr_cb: true,
    },
    { partitioner: 'murmur2_random' },
  );
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 30_000 }, (error) =>
      error
        ? reject(new ServiceUnavailableError('kafka', `simulator producer: ${error.message}`, { cause: error }))
        : resolve(),
    ),
  );
  producer.setPollInterval(20);
  let delivered = 0;
  let failed: LibrdKafkaError | undefined;
  producer.on('delivery-report', (error) => {
    if (error) failed ??= error;
    else delivered += 1;
  });

  const simulation = new Simulation(scenario);
  const expected = options.expectedFile ? new ExpectedCollector(options.catalog) : undefined;
  const started = Date.now();
  let produced = 0;
  let lastReport = started;
  const report = (second: number) =>
    options.onProgress?.({
      events: produced,
      simulatedSecond: second,
      durationSec: scenario.durationSec,
      eventsPerSecond: Math.round((produced * 1_000) / Math.max(1, Date.now() - started)),
      elapsedMs: Date.now() - started,
    });
  for (let second = 0; second < scenario.durationSec; second += 1) {
    const batch: PlaybackEvent[] = [];
    simulation.eventsAt(second, (event) => batch.push(event));
    for (const [index, event] of batch.entries()) {
      if (options.live) {
        const due = started + second * 1_000 + (index * 1_000) / batch.length;
        if (due > Date.now() + 5) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      expected?.add(event);
      const topic = topicOf(event);
      const value = (serializers.get(topic) as AvroSerializer<PlaybackEvent>).encode(event);
      for (;;) {
        try {
          // The Kafka timestamp is the send time (CreateTime, as players' SDKs set it); event time is in the value.
          producer.produce(topic, null, value, keyOf(event), Date.now());
          break;
        } catch (error) {
          if ((error as LibrdKafkaError).code !== CODES.ERRORS.ERR__QUEUE_FULL) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5)); // the queue drains as the broker acks
        }
      }
      produced += 1;
      if (options.rate !== undefined) {
        const due = started + (produced * 1_000) / options.rate;
        if (due > Date.now() + 5) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      if (failed) throw new ServiceUnavailableError('kafka', `delivery failed: ${failed.message}`, { cause: failed });
    }
    if (Date.now() - lastReport >= 1_000) {
      lastReport = Date.now();
      report(second);
    }
  }
  const deadline = Date.now() + 120_000;
  while (delivered < produced && !failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  if (failed || delivered < produced)
    throw new ServiceUnavailableError('kafka', `only ${delivered} of ${produced} events were acknowledged`, {
      cause: failed,
    });
  report(scenario.durationSec);
  const result: ProduceResult = {
    events: produced,
    simulatedSecond: scenario.durationSec,
    durationSec: scenario.durationSec,
    eventsPerSecond: Math.round((produced * 1_000) / Math.max(1, Date.now() - started)),
    elapsedMs: Date.now() - started,
  };
  if (expected && options.expectedFile) {
    result.expected = expected.result(options.topic, topics);
    writeFileSync(options.expectedFile, JSON.stringify({ scenario, startMs: simulation.startMs, ...result.expected }));
  }
  return result;
}
