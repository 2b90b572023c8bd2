/**
 * npm run bench:engine — records/s of the Kafka runtime per transport (node-rdkafka and kafkajs,
 * transactional commits) against the local stack, from a pre-produced topic, so the producer does
 * not compete: RECORDS (default 2,000,000) JSON view events on 6 partitions. For each transport:
 *   1. raw consume-only rate of the same client on the same topic (the ceiling);
 *   2. a stateless pass-through topology (consume → decode → encode → produce, committed);
 *   3. a windowed count per content id (plus a repartition topic, so 2 × RECORDS records processed).
 * Each topology's figure comes with the CPU-seconds of this process per million input records
 * (steadier than rates on a shared machine; the broker's CPU is not in it).
 * Needs `reelstream stack up`. Topics are made per run and deleted afterwards.
 */
import { defineTopology, tumbling } from '../runtime/dsl';
import { StreamApplication } from '../runtime/app/stream-application';
import { loadConfig } from '../runtime/config/load';
import { createKafkaJs } from '../runtime/kafka/kafkajs/client';
import { createTransport } from '../runtime/kafka/create-transport';
import { rawConsumeRate } from './raw-consume';
import { produceViewEvents } from './view-events';
import { kafkajsAdmin } from '../runtime/kafka/kafkajs/admin';

const RECORDS = Number(process.env.RECORDS ?? 2_000_000);
const config = loadConfig();
const run = `bench-${Date.now().toString(36)}`;
const input = `${run}-input`;

async function runTopology(
  transport: 'rdkafka' | 'kafkajs',
  name: string,
  declare: Parameters<typeof defineTopology>[1],
  expectedProcessed: number,
  outputs: string[],
): Promise<{ recordsPerSecond: number; cpuSeconds: number }> {
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  await admin.createTopics({ topics: outputs.map((topic) => ({ topic, numPartitions: 6 })), waitForLeaders: true });
  const app = new StreamApplication({
    topology: defineTopology(name, declare),
    applicationId: name,
    transport: createTransport({ ...config.kafka, transport }),
    admin: kafkajsAdmin(admin),
    instanceId: 'bench',
  });
  await app.start();
  const running = app.run();
  let started = 0;
  let cpuAtStart = process.cpuUsage();
  while (app.stats.processed < expectedProcessed) {
    if (started === 0 && app.stats.processed > 0) {
      started = Date.now();
      cpuAtStart = process.cpuUsage();
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  app.stop();
  await running;
  await app.close();
  await admin
    .deleteTopics({ topics: [...outputs, `${name}-by-content-repartition`, `${name}-counts-changelog`, `${name}.dlq`] })
    .catch(() => undefined);
  await admin.disconnect();
  return { recordsPerSecond: expectedProcessed / seconds, cpuSeconds };
}

void (async () => {
  const admin = createKafkaJs(config.kafka).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: input, numPartitions: 6 }], waitForLeaders: true });
  const producing = Date.now();
  await produceViewEvents(config.kafka.brokers, input, RECORDS);
  console.log(
    `pre-produced ${RECORDS.toLocaleString('en-US')} records in ${((Date.now() - producing) / 1000).toFixed(1)} s`,
  );
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  const only = process.env.TRANSPORTS?.split(',') ?? ['rdkafka', 'kafkajs'];
  for (const transport of ['rdkafka', 'kafkajs'] as const) {
    if (!only.includes(transport)) continue;
    const raw = await rawConsumeRate(transport, config.kafka, input, RECORDS, `${run}-raw-${transport}`);
    console.log(`${transport} raw consume-only: ${fmt(raw)} records/s`);
    const pass = `${run}-${transport}-pass`;
    const passThrough = await runTopology(transport, pass, (b) => b.stream(input).to(`${pass}-out`), RECORDS, [
      `${pass}-out`,
    ]);
    const perMillion = (cpuSeconds: number) => ((cpuSeconds / RECORDS) * 1e6).toFixed(1);
    console.log(
      `${transport} pass-through (decode, encode, produce, transactional commit): ${fmt(passThrough.recordsPerSecond)} records/s, ${perMillion(passThrough.cpuSeconds)} CPU-s per million input records`,
    );
    const count = `${run}-${transport}-count`;
    const windowed = await runTopology(
      transport,
      count,
      (b) =>
        b
          .stream<string, { contentId: string; at: number }>(input, { timestamp: (v) => v.at })
          .groupBy((v) => v.contentId, { name: 'by-content' })
          .windowedBy(tumbling('1m').grace('1d'))
          .count({ store: 'counts', emit: { updates: '1s', final: true } })
          .to(`${count}-out`),
      2 * RECORDS,
      [`${count}-out`],
    );
    console.log(
      `${transport} windowed count (records processed incl. repartition): ${fmt(windowed.recordsPerSecond)} records/s; input records/s: ${fmt(windowed.recordsPerSecond / 2)}, ${perMillion(windowed.cpuSeconds)} CPU-s per million input records`,
    );
  }
  await admin.deleteTopics({ topics: [input] }).catch(() => undefined);
  await admin.disconnect();
  console.log(`node ${process.version}, 2 cores, processor and broker on the same machine`);
})();
