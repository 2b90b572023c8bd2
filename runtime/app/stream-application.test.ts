import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../core/errors';
import { defineTopology, tumbling } from '../dsl';
import { changelogTopic, laneRepartitionTopic, repartitionTopic } from '../naming';
import { metricsRegistry } from '../metrics';
import { FakeKafka } from '../testing/fake-kafka';
import { encodeInternal } from './record-codec';
import { StreamApplication } from './stream-application';

// The commit protocol and the task manager against an in-memory Kafka (runtime/testing/fake-kafka.ts):
// what a commit holds, what a failed or revoked one leaves behind. test/integration/engine.test.ts
// runs the same topology on the real broker with both transports.

const APP = 'protocol';
const PARTITIONS = 3;
const RECORDS = 3_000;
const CONTENTS = 20;
const MINUTE = 60_000;

const topology = defineTopology(APP, (b) => {
  b.stream<string, { contentId: string; at: number }>('input', { timestamp: (event) => event.at })
    .groupBy((event) => event.contentId, { name: 'by-content' })
    .windowedBy(tumbling('1m').grace('1d'))
    .count({ store: 'counts', emit: { updates: 0, final: false } })
    .to('output');
});

/** The count above on two lanes (premium over basic) and a long grace: what lanes do through a repartition. */
const lanedCount = (applicationId: string) =>
  defineTopology(applicationId, (b) => {
    b.stream<string, { contentId: string; at: number }>(['premium', 'basic'], {
      timestamp: (event) => event.at,
      lanes: { premium: 2, basic: 0 },
    })
      .groupBy((event) => event.contentId, { name: 'by-content' })
      .windowedBy(tumbling('1m').grace('1d'))
      .count({ store: 'counts', emit: { updates: 0, final: false } })
      .to('output');
  });

interface Run {
  kafka: FakeKafka;
  expected: Map<string, number>;
}

function prepare(): Run {
  const kafka = new FakeKafka();
  kafka.createTopic('input', PARTITIONS);
  kafka.createTopic('output', PARTITIONS);
  const expected = new Map<string, number>();
  const start = Date.now() - 10 * MINUTE;
  const records = [];
  for (let index = 0; index < RECORDS; index += 1) {
    const contentId = `content-${(index * 7) % CONTENTS}`;
    const at = start + Math.floor((index / RECORDS) * 5 * MINUTE);
    const window = `${contentId}@${at - (at % MINUTE)}`;
    expected.set(window, (expected.get(window) ?? 0) + 1);
    records.push({
      topic: 'input',
      partition: index % PARTITIONS,
      key: Buffer.from(JSON.stringify(`session-${index}`)),
      value: Buffer.from(JSON.stringify({ contentId, at })),
      timestamp: at,
    });
  }
  kafka.append(records);
  return { kafka, expected };
}

/** A playback-like record of `topic`'s partition 0 at event time `at`. */
function playRecord(topic: string, at: number) {
  return {
    topic,
    partition: 0,
    key: Buffer.from(JSON.stringify(`session-${topic}`)),
    value: Buffer.from(JSON.stringify({ contentId: 'content-1', at })),
    timestamp: at,
  };
}

/** The fake's transport, recording what the thread asked of each fetch and what the fetch returned. */
function recordingFetches(kafka: FakeKafka, processed: () => number = () => 0) {
  const fetches: { waitMs: number | undefined; records: number; processedBefore: number }[] = [];
  const transport = kafka.transport();
  const consumerOf = transport.consumer.bind(transport);
  transport.consumer = (groupId) => {
    const consumer = consumerOf(groupId);
    const consume = consumer.consumeBatch.bind(consumer);
    consumer.consumeBatch = async (maxRecords, waitMs) => {
      const processedBefore = processed();
      const records = await consume(maxRecords, waitMs);
      fetches.push({ waitMs, records: records.length, processedBefore });
      return records;
    };
    return consumer;
  };
  return { transport, fetches };
}

function application(kafka: FakeKafka, instanceId = 'a', stateDir?: string) {
  return new StreamApplication({
    stateDir,
    topology,
    applicationId: APP,
    transport: kafka.transport(),
    admin: kafka.admin(),
    instanceId,
    commitIntervalMs: 0,
    maxBatchRecords: 100,
    lagIntervalMs: 60_000,
    alignment: { maxWaitMs: 0 },
  });
}

/** Whether the group committed every input and repartition record. */
function caughtUp(kafka: FakeKafka): boolean {
  for (const topic of ['input', repartitionTopic(APP, 'by-content')])
    for (const [partition, log] of kafka.partitionsOf(topic).entries())
      if ((kafka.committedOffset(APP, { topic, partition }) ?? 0) < log.length) return false;
  return true;
}

/** Waits until the group caught up, then stops the running instance (final commit included). */
async function stopOnceCaughtUp(
  kafka: FakeKafka,
  app: StreamApplication,
  running: Promise<void>,
  done = () => caughtUp(kafka),
): Promise<void> {
  for (let waited = 0; !done(); waited += 10) {
    if (waited > 20_000) throw new Error('did not catch up');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  app.stop();
  await running;
  await app.close();
}

/** Runs an instance until the group caught up, then stops it (final commit included). */
async function runToEnd(kafka: FakeKafka, instanceId = 'a', stateDir?: string): Promise<StreamApplication['stats']> {
  const app = application(kafka, instanceId, stateDir);
  await app.start();
  const running = app.run();
  const failed = running.then(
    () => undefined,
    (error: unknown) => error,
  );
  for (let waited = 0; !caughtUp(kafka); waited += 10) {
    if (waited > 20_000) throw new Error('did not catch up');
    const error = await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 10, 'waiting'))]);
    if (error !== 'waiting' && error !== undefined) throw error;
  }
  app.stop();
  await running;
  await app.close();
  return app.stats;
}

/** The last update per window in the output topic: what a dashboard overwriting keys shows. */
function counts(kafka: FakeKafka): Map<string, number> {
  const last = new Map<string, number>();
  for (const log of kafka.partitionsOf('output'))
    for (const record of log) {
      const key = JSON.parse(String(record.key)) as { key: string; start: number };
      last.set(`${key.key}@${key.start}`, (JSON.parse(String(record.value)) as { aggregate: number }).aggregate);
    }
  return last;
}

const sorted = (map: Map<string, number>) => [...map].sort(([a], [b]) => a.localeCompare(b));

describe('the commit protocol (in-memory Kafka)', () => {
  it('commits output, repartition, changelog and offsets together: counts exact, offsets at the end', async () => {
    const { kafka, expected } = prepare();
    await runToEnd(kafka);
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
    const changelog = kafka.partitionsOf(changelogTopic(APP, 'counts')).flat();
    expect(changelog.length).toBeGreaterThan(0);
    // Every commit carries offsets; each offset is one past a processed record, never beyond the log.
    for (const commit of kafka.commits)
      for (const { topic, partition, offset } of commit.offsets)
        expect(offset).toBeLessThanOrEqual((kafka.partitionsOf(topic)[partition] ?? []).length);
  });

  it('does not take an empty fetch for caught up while its partitions are behind: the overload lag stays', async () => {
    const { kafka } = prepare(); // events of ten minutes ago
    kafka.fetchesStallAfter = 200; // then every fetch is empty, as kafkajs's while it waits for its held batches
    const app = new StreamApplication({
      topology,
      applicationId: 'stalled',
      transport: kafka.transport(),
      admin: kafka.admin(),
      instanceId: 'a',
      maxBatchRecords: 100,
      alignment: { maxWaitMs: 0 },
      overload: { tickMs: 20 },
    });
    await app.start();
    const running = app.run();
    for (let waited = 0; app.stats.processed < 200 && waited < 10_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 300)); // many empty fetches and commits, 15 ticks
    // Minutes behind (it fell to 0 when an empty fetch counted as caught up).
    expect(app.stats.processed).toBe(200);
    expect(app.pressureSignals().lagSeconds).toBeGreaterThan(60);
    app.stop();
    await running;
    await app.close();
  });

  it('does not wait for more records while the open transaction holds work: caught up commits at once, a quiet topic holds nothing back', async () => {
    const kafka = new FakeKafka();
    kafka.createTopic('input', 1);
    kafka.createTopic('output', 1);
    kafka.append([playRecord('input', Date.now())]);
    const { transport, fetches } = recordingFetches(kafka);
    const app = new StreamApplication({
      topology,
      applicationId: 'quiet',
      transport,
      admin: kafka.admin(),
      instanceId: 'a',
      commitIntervalMs: 100,
      lagIntervalMs: 60_000,
      alignment: { maxWaitMs: 0 },
    });
    await app.start();
    const running = app.run();
    for (let waited = 0; kafka.commits.length === 0 && waited < 10_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    app.stop();
    await running;
    await app.close();
    // The fetch after each that returned records — the transaction then holds their work — takes only
    // what is there (node-rdkafka's own wait for a first record is a second; the commit interval here 100 ms).
    const afterRecords = fetches.filter((_, index) => index > 0 && (fetches[index - 1]?.records ?? 0) > 0);
    expect(afterRecords.length).toBeGreaterThan(0);
    for (const { waitMs } of afterRecords) expect(waitMs).toBe(0);
  });

  it('waits as the client does while a buffered record waits for the other partition of its task: no loop of empty commits', async () => {
    const kafka = new FakeKafka();
    for (const topic of ['premium', 'basic', 'output']) kafka.createTopic(topic, 1);
    kafka.append([playRecord('premium', Date.now()), playRecord('basic', Date.now() - 1_000)]);
    kafka.fetchesStallAfter = 1; // one record fetched, then nothing: the other partition is known to hold one
    const { transport, fetches } = recordingFetches(kafka, () => app.stats.processed);
    const app = new StreamApplication({
      topology: lanedCount('aligning'),
      applicationId: 'aligning',
      transport,
      admin: kafka.admin(),
      instanceId: 'a',
      commitIntervalMs: 100,
      maxBatchRecords: 1,
      lagIntervalMs: 60_000,
      alignment: { maxWaitMs: 300 },
    });
    await app.start();
    const running = app.run();
    for (let waited = 0; app.stats.processed === 0 && waited < 10_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    app.stop();
    await running;
    await app.close();
    expect(app.stats.processed).toBe(1); // released once the other partition had been waited for 300 ms
    // While it waited, nothing was processed: each fetch waited as long as the client does.
    const whileAligning = fetches.filter(({ processedBefore }) => processedBefore === 0).slice(1);
    expect(whileAligning.length).toBeGreaterThan(1);
    for (const { waitMs } of whileAligning) expect(waitMs).toBeUndefined();
  });

  it('is not ready from its start until its first assignment is restored (another application of the process may be ready before)', async () => {
    const { kafka } = prepare();
    const app = new StreamApplication({
      topology,
      applicationId: 'readiness', // a gauge no other test of this file set
      transport: kafka.transport(),
      admin: kafka.admin(),
      instanceId: 'a',
      lagIntervalMs: 60_000,
      alignment: { maxWaitMs: 0 },
    });
    const readiness = async () =>
      (await metricsRegistry.getSingleMetric('reelstream_application_ready')?.get())?.values.find(
        ({ labels }) => labels.application === 'readiness',
      )?.value;
    await app.start();
    expect(await readiness()).toBe(0); // started, not assigned yet
    const running = app.run();
    for (let waited = 0; app.stats.processed === 0 && waited < 10_000; waited += 10)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await readiness()).toBe(1);
    app.stop();
    await running;
    await app.close();
  });

  it('refuses at once a lane drift that is not below the grace of a window it would make records late to', () => {
    const laned = defineTopology('laned', (b) => {
      b.stream<string, { contentId: string; at: number }>(['premium', 'basic'], {
        timestamp: (event) => event.at,
        lanes: { premium: 2, basic: 0 },
      })
        .groupBy((event) => event.contentId, { name: 'by-content' })
        .windowedBy(tumbling('1m').grace('10s'))
        .count({ store: 'counts' })
        .to('output');
    });
    const kafka = new FakeKafka();
    const options = {
      topology: laned,
      applicationId: 'laned',
      transport: kafka.transport(),
      admin: kafka.admin(),
      instanceId: 'a',
    };
    expect(() => new StreamApplication({ ...options, alignment: { maxLaneDriftMs: 15_000 } })).toThrow(
      /processing.alignmentMaxLaneDriftMs \(15000 ms\) must be below the grace of every window of laned, which reads lanes: .* has a grace of 10000 ms/,
    );
    expect(() => new StreamApplication({ ...options, alignment: { maxLaneDriftMs: 5_000 } })).not.toThrow();
    // Unconfigured, the drift is what the windows allow (half of this grace).
    expect(() => new StreamApplication(options)).not.toThrow();
    // Without lanes the drift plays no part.
    expect(() => new StreamApplication({ ...options, topology })).not.toThrow();
  });

  it('keeps lanes through a repartition: each record goes to its lane’s topic, read as lanes again, counts exact', async () => {
    const laned = lanedCount('laned');
    const kafka = new FakeKafka();
    for (const topic of ['premium', 'basic', 'output']) kafka.createTopic(topic, PARTITIONS);
    const start = Date.now() - 10 * MINUTE;
    const expected = new Map<string, number>();
    const records = [];
    for (let index = 0; index < 1_200; index += 1) {
      const topic = index % 4 === 0 ? 'premium' : 'basic';
      const contentId = `${topic}-content-${index % 7}`;
      const at = start + index * 100;
      const window = `${contentId}@${at - (at % MINUTE)}`;
      expected.set(window, (expected.get(window) ?? 0) + 1);
      records.push({
        topic,
        partition: index % PARTITIONS,
        key: Buffer.from(JSON.stringify(`session-${index}`)),
        value: Buffer.from(JSON.stringify({ contentId, at })),
        timestamp: at,
      });
    }
    kafka.append(records);
    const premiumTopic = laneRepartitionTopic('laned', 'by-content', 2);
    const basicTopic = repartitionTopic('laned', 'by-content');
    const app = new StreamApplication({
      topology: laned,
      applicationId: 'laned',
      transport: kafka.transport(),
      admin: kafka.admin(),
      instanceId: 'a',
      commitIntervalMs: 0,
      maxBatchRecords: 100,
      alignment: { maxWaitMs: 0 },
    });
    await app.start();
    const done = () =>
      ['premium', 'basic', premiumTopic, basicTopic].every((topic) =>
        kafka
          .partitionsOf(topic)
          .every((log, partition) => (kafka.committedOffset('laned', { topic, partition }) ?? 0) >= log.length),
      );
    await stopOnceCaughtUp(kafka, app, app.run(), done);
    // A fifth went in premium: its records, and only they, went through the premium lane's topic.
    expect(kafka.partitionsOf(premiumTopic).flat()).toHaveLength(300);
    expect(kafka.partitionsOf(basicTopic).flat()).toHaveLength(900);
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
  });

  it('serves the higher lane first after a repartition too: premium ahead of the lower lane’s backlog there', async () => {
    const laned = lanedCount('hop2');
    const kafka = new FakeKafka();
    for (const topic of ['premium', 'basic', 'output']) kafka.createTopic(topic, 1);
    const basicTopic = repartitionTopic('hop2', 'by-content');
    const premiumTopic = laneRepartitionTopic('hop2', 'by-content', 2);
    kafka.createTopic(basicTopic, 1);
    kafka.createTopic(premiumTopic, 1);
    // A backlog of the lower lane already waits in its repartition topic; premium records, a few
    // seconds later in event time, arrive behind it in theirs.
    const start = Date.now() - 10 * MINUTE;
    const repartitioned = (topic: string, contentId: string, at: number) => ({
      topic,
      partition: 0,
      key: encodeInternal(contentId),
      value: encodeInternal({ contentId, at }),
      timestamp: at,
    });
    kafka.append(Array.from({ length: 600 }, (_, index) => repartitioned(basicTopic, 'basic-content', start + index)));
    kafka.append(
      Array.from({ length: 20 }, (_, index) => repartitioned(premiumTopic, 'premium-content', start + 5_000 + index)),
    );
    const app = new StreamApplication({
      topology: laned,
      applicationId: 'hop2',
      transport: kafka.transport(),
      admin: kafka.admin(),
      instanceId: 'a',
      commitIntervalMs: 0,
      maxBatchRecords: 1_000, // one fetch holds both: the order is the runtime's, not the fetch's
      alignment: { maxWaitMs: 5_000 },
    });
    await app.start();
    const done = () =>
      [basicTopic, premiumTopic].every(
        (topic) =>
          (kafka.committedOffset('hop2', { topic, partition: 0 }) ?? 0) >= (kafka.partitionsOf(topic)[0] ?? []).length,
      );
    await stopOnceCaughtUp(kafka, app, app.run(), done);
    const order = (kafka.partitionsOf('output')[0] ?? []).map(
      (record) => (JSON.parse(String(record.key)) as { key: string }).key,
    );
    expect(order).toHaveLength(620);
    // Read in fetch order (the lower lane's topic first) premium would come after all 600.
    expect(order.slice(0, 20)).toEqual(Array.from({ length: 20 }, () => 'premium-content'));
  });

  it('a source topic that does not exist fails the start at once, naming it; an absent output topic too', async () => {
    const missingInput = new FakeKafka();
    missingInput.createTopic('output', PARTITIONS);
    await expect(application(missingInput).start()).rejects.toThrow(
      /reads topics that do not exist: input \(create them: reelstream topics apply\)/,
    );
    const missingOutput = new FakeKafka();
    missingOutput.createTopic('input', PARTITIONS);
    await expect(application(missingOutput).start()).rejects.toThrow(/writes to topics that do not exist: output/);
  });

  it('a commit refused for good stops the run; a new instance continues exactly from the last commit', async () => {
    const { kafka, expected } = prepare();
    let commitsSeen = 0;
    kafka.beforeCommit = async () => {
      commitsSeen += 1;
      if (commitsSeen === 4) throw new ServiceUnavailableError('kafka', 'fenced (test)', { retriable: false });
    };
    const first = application(kafka);
    await first.start();
    await expect(first.run()).rejects.toThrow('fenced (test)');
    await first.close();
    // The failure landed mid-run: part of the input is committed, not all of it.
    const committed = [0, 1, 2].reduce(
      (sum, partition) => sum + (kafka.committedOffset(APP, { topic: 'input', partition }) ?? 0),
      0,
    );
    expect(committed).toBeGreaterThan(0);
    expect(caughtUp(kafka)).toBe(false);
    kafka.beforeCommit = undefined;
    await runToEnd(kafka, 'b');
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
  });

  it('a commit that fails retriably is aborted and the tasks are rebuilt from the changelog: exact', async () => {
    const { kafka, expected } = prepare();
    let failures = 0;
    kafka.beforeCommit = async () => {
      if (kafka.commits.length === 3 && failures < 2) {
        failures += 1;
        throw new ServiceUnavailableError('kafka', 'broker away (test)');
      }
    };
    await runToEnd(kafka);
    expect(failures).toBe(2);
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
  });

  it('a revocation waits for the commit in flight; the tasks are rebuilt after it, exact', async () => {
    const { kafka, expected } = prepare();
    let release: (() => void) | undefined;
    let blocked: (() => void) | undefined;
    const commitBlocked = new Promise<void>((resolve) => (blocked = resolve));
    kafka.beforeCommit = async () => {
      if (kafka.commits.length !== 2 || release) return;
      blocked?.();
      await new Promise<void>((resolve) => (release = resolve));
    };
    const app = application(kafka);
    await app.start();
    const running = app.run();
    await commitBlocked;
    const consumer = kafka.consumers[0];
    if (!consumer) throw new Error('no consumer');
    const everything = consumer.subscriptions.flatMap((topic) =>
      kafka.partitionsOf(topic).map((_, partition) => ({ topic, partition })),
    );
    let revoked = false;
    const rebalance = consumer.rebalance(everything).then(() => (revoked = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The commit is still in flight: the partitions are not given up yet.
    expect(revoked).toBe(false);
    expect(kafka.commits).toHaveLength(2);
    release?.();
    await rebalance;
    expect(kafka.commits).toHaveLength(3);
    await stopOnceCaughtUp(kafka, app, running);
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
  });

  /** Holds the second commit until the instance processed more records meanwhile; then `outcome`. */
  async function overlapSecondCommit(outcome: 'commit' | 'fail') {
    const { kafka, expected } = prepare();
    const app = application(kafka);
    let processedWhileCommitting = 0;
    let held = false;
    kafka.beforeCommit = async () => {
      if (kafka.commits.length !== 1 || held) return;
      held = true;
      const before = app.stats.processed;
      for (let waited = 0; app.stats.processed === before; waited += 5) {
        if (waited > 5_000) throw new Error('nothing was processed while the commit was in flight');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      processedWhileCommitting = app.stats.processed - before;
      if (outcome === 'fail') throw new ServiceUnavailableError('kafka', 'the broker went away mid-commit');
    };
    await app.start();
    const running = app.run();
    await stopOnceCaughtUp(kafka, app, running);
    return { kafka, expected, processedWhileCommitting, stats: app.stats };
  }

  it('processes the next batch while a commit is in flight, into the next transaction: exact', async () => {
    const { kafka, expected, processedWhileCommitting, stats } = await overlapSecondCommit('commit');
    // The fake broker throws on a record sent while its transaction commits: none was.
    expect(processedWhileCommitting).toBeGreaterThan(0);
    expect(stats.processed).toBe(RECORDS * 2); // each input and repartition record once
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
  });

  it('a commit that fails while the next batch was processed drops both and rebuilds: exact', async () => {
    const { kafka, expected, processedWhileCommitting, stats } = await overlapSecondCommit('fail');
    expect(processedWhileCommitting).toBeGreaterThan(0);
    // The records of both the failed transaction and the overlapping batch were processed again.
    // (a clean run processes each input and repartition record once: RECORDS * 2)
    expect(stats.processed).toBeGreaterThan(RECORDS * 2);
    expect(sorted(counts(kafka))).toEqual(sorted(expected));
  });

  it('on-disk stores: a restart after a clean stop restores only the changelog written since; without a checkpoint, all of it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'reelstream-state-'));
    try {
      const { kafka, expected } = prepare();
      const changelogLength = () =>
        kafka.partitionsOf(changelogTopic(APP, 'counts')).reduce((sum, log) => sum + log.length, 0);
      expect((await runToEnd(kafka, 'a', stateDir)).restoredRecords).toBe(0); // a first start
      const afterA = changelogLength();
      expect(afterA).toBeGreaterThan(0);
      // More input each time, so every run has work (and builds its tasks) before it catches up.
      const moreInput = () => {
        const more = prepare();
        kafka.append(more.kafka.partitionsOf('input').flat());
        for (const [window, count] of more.expected) expected.set(window, (expected.get(window) ?? 0) + count);
      };
      // Meanwhile another instance (state in memory) processes more input and writes to the changelog.
      moreInput();
      const b = await runToEnd(kafka, 'b');
      expect(b.restoredRecords).toBe(afterA); // in memory: the whole changelog
      const tail = changelogLength() - afterA;
      expect(tail).toBeGreaterThan(0);
      // 'a' again: its stores on disk resume from their checkpoints and read only what 'b' wrote.
      const beforeA2 = changelogLength();
      moreInput();
      expect((await runToEnd(kafka, 'a', stateDir)).restoredRecords).toBe(tail);
      expect(sorted(counts(kafka))).toEqual(sorted(expected));
      // A store without a checkpoint (as after a crash) is emptied and restored from the start.
      const checkpoints = readdirSync(stateDir, { recursive: true, encoding: 'utf8' }).filter((file) =>
        file.endsWith('.checkpoint'),
      );
      expect(checkpoints).toHaveLength(PARTITIONS);
      for (const file of checkpoints) rmSync(join(stateDir, file));
      const beforeA3 = changelogLength();
      expect(beforeA3).toBeGreaterThan(beforeA2);
      moreInput();
      expect((await runToEnd(kafka, 'a', stateDir)).restoredRecords).toBe(beforeA3);
      expect(sorted(counts(kafka))).toEqual(sorted(expected));
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
