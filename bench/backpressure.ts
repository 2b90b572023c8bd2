/**
 * npm run bench:backpressure — how fast backpressure takes effect, per transport, against the local
 * stack. Two lanes (premium, free; PER_LANE records each, default 100,000, pre-produced) flow into a
 * sink that acknowledges slowly (ACK_PER_SECOND, default 20,000 records/s: runtime/testing/slow-sink.ts)
 * with a high-water mark of HIGH_WATER records (default 2,000), so the run crosses the marks again
 * and again. For each transport it reports, from the runtime's own histograms over that run:
 *   - reelstream_backpressure_response_seconds: load crossing a mark → the last fetch that still
 *     delivered a record of a paused partition (what a user feels: when records really stop);
 *   - reelstream_backpressure_pause_latency_seconds: load crossing a mark → the decision to pause;
 * as bucket bounds (p50, p99) and the mean, with the largest load the sink saw against the mark.
 * Kafka Streams has no sink backpressure to compare with. Needs `reelstream stack up`; topics and
 * groups are made per run and deleted afterwards.
 */
import { defineTopology } from '../runtime/dsl';
import { sinkDescriptor } from '../runtime/dsl/sinks';
import { StreamApplication } from '../runtime/app/stream-application';
import { loadConfig } from '../runtime/config/load';
import { createTransport } from '../runtime/kafka/create-transport';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { backpressurePauseLatency, backpressureResponse, metricsRegistry } from '../runtime/metrics';
import { dlqTopic } from '../runtime/naming';
import { SlowSink } from '../runtime/testing/slow-sink';
import { deltaQuantile, histogramBuckets } from './reelstream-children';

const PER_LANE = Number(process.env.PER_LANE ?? 100_000);
const ACK_PER_SECOND = Number(process.env.ACK_PER_SECOND ?? 20_000);
const HIGH_WATER = Number(process.env.HIGH_WATER ?? 2_000);
const TRANSPORTS = (process.env.TRANSPORTS ?? 'kafkajs,rdkafka').split(',') as ('kafkajs' | 'rdkafka')[];
const config = loadConfig();
const run = `bench-bp-${Date.now().toString(36)}`;
const lanes = { premium: `${run}-premium`, free: `${run}-free` };

async function produce(): Promise<void> {
  const kafka = createKafkaJs(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: Object.values(lanes).map((topic) => ({ topic, numPartitions: 3 })),
  });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (const topic of Object.values(lanes))
    for (let start = 0; start < PER_LANE; start += 10_000)
      await producer.send({
        topic,
        messages: Array.from({ length: Math.min(10_000, PER_LANE - start) }, (_, i) => ({
          key: `s${start + i}`,
          value: JSON.stringify({ n: start + i }),
        })),
      });
  await producer.disconnect();
}

interface Readings {
  response: [string, number][];
  decision: [string, number][];
  responseSum: number;
  responseCount: number;
  decisionSum: number;
  decisionCount: number;
}

async function readings(): Promise<Readings> {
  const sumCount = async (histogram: typeof backpressureResponse) => {
    const values = (await histogram.get()).values;
    const of = (suffix: string) =>
      values.filter((v) => v.metricName?.endsWith(suffix)).reduce((a, v) => a + v.value, 0);
    return [of('_sum'), of('_count')] as const;
  };
  const [responseSum, responseCount] = await sumCount(backpressureResponse);
  const [decisionSum, decisionCount] = await sumCount(backpressurePauseLatency);
  const text = await metricsRegistry.metrics();
  return {
    response: histogramBuckets(text, 'reelstream_backpressure_response_seconds'),
    decision: histogramBuckets(text, 'reelstream_backpressure_pause_latency_seconds'),
    responseSum,
    responseCount,
    decisionSum,
    decisionCount,
  };
}

async function measure(transport: 'kafkajs' | 'rdkafka'): Promise<void> {
  const kafka = createKafkaJs(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  const applicationId = `${run}-${transport}`;
  const sink = new SlowSink(Math.max(1, Math.round(ACK_PER_SECOND / 50))); // it acknowledges every 20 ms
  const topology = defineTopology(applicationId, (b) => {
    b.stream([lanes.premium, lanes.free], { lanes: { [lanes.premium]: 1, [lanes.free]: 0 } }).to(
      sinkDescriptor('slow', 'slow'),
    );
  });
  const application = new StreamApplication({
    topology,
    applicationId,
    transport: createTransport({ ...config.kafka, transport }),
    admin: kafkajsAdmin(admin),
    instanceId: 'bench',
    maxBatchRecords: 500,
    sinks: () => sink,
    flowControl: { highWaterRecords: HIGH_WATER, lowWaterRecords: HIGH_WATER / 4, laneSpread: 0.5 },
  });
  const before = await readings();
  const started = Date.now();
  await application.start();
  const running = application.run();
  while (sink.written.length < 2 * PER_LANE && Date.now() - started < 600_000)
    await new Promise((resolve) => setTimeout(resolve, 100));
  application.stop();
  await running;
  await application.close();
  await sink.close();
  const after = await readings();
  await admin.deleteGroups([applicationId]).catch(() => undefined);
  await admin.deleteTopics({ topics: [dlqTopic(applicationId)] }).catch(() => undefined);
  await admin.disconnect();
  const ms = (sum: number, count: number) => (count === 0 ? 'n/a' : `${((sum / count) * 1000).toFixed(2)} ms`);
  const responses = after.responseCount - before.responseCount;
  const decisions = after.decisionCount - before.decisionCount;
  console.log(
    `${transport}: ${sink.written.length} records in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `sink load max ${sink.maxLoad} (high-water ${HIGH_WATER})\n` +
      `  response (crossing → records stop), ${responses} pauses: p50 ${deltaQuantile(before.response, after.response, 0.5)}, ` +
      `p99 ${deltaQuantile(before.response, after.response, 0.99)}, mean ${ms(after.responseSum - before.responseSum, responses)}\n` +
      `  decision (crossing → pause called), ${decisions} pauses: p50 ${deltaQuantile(before.decision, after.decision, 0.5)}, ` +
      `p99 ${deltaQuantile(before.decision, after.decision, 0.99)}, mean ${ms(after.decisionSum - before.decisionSum, decisions)}`,
  );
  if (sink.written.length !== 2 * PER_LANE)
    throw new Error(`${transport}: the sink got ${sink.written.length} of ${2 * PER_LANE} records`);
}

async function main(): Promise<void> {
  console.log(
    `bench:backpressure — ${PER_LANE} records per lane (2 lanes × 3 partitions), sink acknowledging ${ACK_PER_SECOND}/s, high-water ${HIGH_WATER}`,
  );
  await produce();
  try {
    for (const transport of TRANSPORTS) await measure(transport);
  } finally {
    const admin = createKafkaJs(config.kafka).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: Object.values(lanes) }).catch(() => undefined);
    await admin.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
