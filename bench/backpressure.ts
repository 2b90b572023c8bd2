/**
 * npm run bench:backpressure — how fast backpressure takes effect, per transport, against the local
 * stack. Two lanes (premium, free; PER_LANE records each, default 100,000, pre-produced) flow into a
 * sink that acknowledges slowly (ACK_PER_SECOND, default 5,000 records/s: runtime/testing/slow-sink.ts)
 * with a high-water mark of HIGH_WATER records (default 400), so the run crosses the marks again
 * and again. For each transport it reports, from the runtime's own histograms over that run:
 *   - reelstream_backpressure_response_seconds: load crossing a mark → the last fetch that still
 *     delivered a record of a paused partition (what a user feels: when records really stop);
 *   - reelstream_backpressure_pause_latency_seconds: load crossing a mark → the decision to pause;
 * as bucket bounds (p50, p99) and the mean, with the largest load the sink saw against the mark. The
 * defaults make both transports cross the marks many times: a sink slower than the consumer, and a
 * mark below what one commit interval brings (each commit drains the sink).
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
import { backpressurePauseLatency, backpressureResponse } from '../runtime/metrics';
import { dlqTopic } from '../runtime/naming';
import { SlowSink } from '../runtime/testing/slow-sink';

const PER_LANE = Number(process.env.PER_LANE ?? 50_000);
const ACK_PER_SECOND = Number(process.env.ACK_PER_SECOND ?? 5_000);
const HIGH_WATER = Number(process.env.HIGH_WATER ?? 400);
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

/** One application's samples of a histogram: the bucket bound of p50 and p99, the mean, the count. */
async function summary(histogram: typeof backpressureResponse, application: string): Promise<string> {
  const values = (await histogram.get()).values.filter((value) => value.labels.application === application);
  const count = values.find((value) => value.metricName?.endsWith('_count'))?.value ?? 0;
  const sum = values.find((value) => value.metricName?.endsWith('_sum'))?.value ?? 0;
  if (count === 0) return 'no samples';
  const buckets = values
    .filter((value) => value.metricName?.endsWith('_bucket'))
    .map((value) => [String((value.labels as Record<string, unknown>).le), value.value] as const);
  const bound = (q: number) => buckets.find(([, cumulative]) => cumulative >= q * count)?.[0] ?? '?';
  return `${count} samples, p50 ≤ ${bound(0.5)} s, p99 ≤ ${bound(0.99)} s, mean ${((sum / count) * 1000).toFixed(2)} ms`;
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
  const started = Date.now();
  await application.start();
  const running = application.run();
  while (sink.written.length < 2 * PER_LANE && Date.now() - started < 600_000)
    await new Promise((resolve) => setTimeout(resolve, 100));
  application.stop();
  await running;
  await application.close();
  await sink.close();
  await admin.deleteGroups([applicationId]).catch(() => undefined);
  await admin.deleteTopics({ topics: [dlqTopic(applicationId)] }).catch(() => undefined);
  await admin.disconnect();
  console.log(
    `${transport}: ${sink.written.length} records in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
      `sink load max ${sink.maxLoad} (high-water ${HIGH_WATER})\n` +
      `  response (crossing → records stop), per paused topic: ${await summary(backpressureResponse, applicationId)}\n` +
      `  decision (crossing → pause called), per crossing: ${await summary(backpressurePauseLatency, applicationId)}`,
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
