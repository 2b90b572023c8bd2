import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { KafkajsPartitionFollower } from './partition-follower';

/**
 * The follower against a kafkajs double: what it does when its consumer crashes (kafkajs's own
 * restart would read from offset 0 again) and when it is disconnected while a consumer is joining
 * (kafkajs would go on fetching after the stop).
 */
const TOPIC = 'catalog';
const events = { END_BATCH_PROCESS: 'end-batch', CRASH: 'crash' } as const;

class FakeConsumer extends EventEmitter {
  readonly events = events;
  readonly seeks: { partition: number; offset: string }[] = [];
  eachBatch: ((payload: { batch: unknown }) => Promise<void>) | undefined;
  disconnected = false;
  /** When set, run() waits for it: a join in progress. */
  joining: Promise<void> | undefined;
  restartOnFailure: (() => Promise<boolean>) | undefined;

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run({ eachBatch }: { eachBatch: FakeConsumer['eachBatch'] }): Promise<void> {
    await this.joining;
    if (!this.disconnected) this.eachBatch = eachBatch;
  }
  seek({ partition, offset }: { partition: number; offset: string }): void {
    this.seeks.push({ partition, offset });
  }
  pause(): void {}
  async disconnect(): Promise<void> {
    this.disconnected = true;
  }

  /** kafkajs hands a batch of these offsets to eachBatch, then reports the batch's end. */
  async deliver(partition: number, offsets: number[]): Promise<void> {
    const messages = offsets.map((offset) => ({
      offset: String(offset),
      key: Buffer.from(`k${offset}`),
      value: Buffer.from(`v${offset}`),
      timestamp: '0',
      headers: {},
    }));
    const last = String(offsets[offsets.length - 1]);
    await this.eachBatch?.({ batch: { topic: TOPIC, partition, messages, lastOffset: () => last } });
    this.emit(events.END_BATCH_PROCESS, { payload: { topic: TOPIC, partition, lastOffset: last } });
  }

  crash(): void {
    this.emit(events.CRASH, {
      payload: { error: new Error('Connection error: connect ECONNREFUSED'), restart: false },
    });
  }
}

function fakeKafka() {
  const consumers: FakeConsumer[] = [];
  let nextJoin: Promise<void> | undefined;
  const kafka = {
    consumer: (config: { retry?: { restartOnFailure?: () => Promise<boolean> } }) => {
      const consumer = new FakeConsumer();
      consumer.restartOnFailure = config.retry?.restartOnFailure;
      consumer.joining = nextJoin;
      nextJoin = undefined;
      consumers.push(consumer);
      return consumer;
    },
    admin: () => ({ connect: async () => {}, deleteGroups: async () => {}, disconnect: async () => {} }),
  };
  /** The next consumer's run() waits until the returned function is called. */
  const holdNextJoin = () => {
    let release!: () => void;
    nextJoin = new Promise<void>((resolve) => (release = resolve));
    return release;
  };
  return { kafka: kafka as unknown as Kafka, consumers, holdNextJoin };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!check()) throw new Error('condition not met');
}

describe('kafkajs partition follower', () => {
  it('after a crash a new consumer seeks to the position reached: nothing is handed out twice', async () => {
    const { kafka, consumers } = fakeKafka();
    const follower = new KafkajsPartitionFollower(kafka);
    await follower.assign([{ topic: TOPIC, partition: 0 }]);
    const first = consumers[0] as FakeConsumer;
    expect(await first.restartOnFailure?.()).toBe(false); // kafkajs is told not to restart it itself
    await first.deliver(0, [0, 1, 2]);
    expect((await follower.poll(10)).map((r) => r.offset)).toEqual([0, 1, 2]);

    first.crash();
    await until(() => consumers.length === 2 && consumers[1]?.eachBatch !== undefined);
    const second = consumers[1] as FakeConsumer;
    expect(first.disconnected).toBe(true);
    expect(second.seeks).toEqual([{ partition: 0, offset: '3' }]);
    // Before the seek takes effect a new consumer may still fetch from the start.
    await second.deliver(0, [0, 1, 2, 3, 4]);
    expect((await follower.poll(10)).map((r) => r.offset)).toEqual([3, 4]);
    expect(follower.position({ topic: TOPIC, partition: 0 })).toBe(5);
    await follower.disconnect();
  });

  it('disconnected while a consumer joins: the join settles first, then the consumer is stopped for good', async () => {
    const { kafka, consumers, holdNextJoin } = fakeKafka();
    const follower = new KafkajsPartitionFollower(kafka);
    await follower.assign([{ topic: TOPIC, partition: 0 }]);
    const joined = holdNextJoin();
    (consumers[0] as FakeConsumer).crash();
    await until(() => consumers.length === 2);
    const restarted = consumers[1] as FakeConsumer;

    const disconnecting = follower.disconnect();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(restarted.disconnected).toBe(false); // waits for the join rather than stopping a consumer not yet running
    joined();
    await disconnecting;
    expect(restarted.disconnected).toBe(true);
    restarted.crash(); // a crash after the stop starts nothing
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(consumers).toHaveLength(2);
  });
});
