import { EventEmitter } from 'node:events';
import { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, type Kafka } from 'kafkajs';
import { KafkajsGroupConsumer } from './group-consumer';

/**
 * The group consumer against a kafkajs double: what it does when kafkajs's consumer crashes and
 * kafkajs itself will not restart it.
 */
const events = { GROUP_JOIN: 'join', END_BATCH_PROCESS: 'end-batch', CRASH: 'crash' } as const;

class FakeConsumer extends EventEmitter {
  readonly events = events;
  runs = 0;

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {
    this.runs += 1;
  }
  async disconnect(): Promise<void> {}

  /** kafkajs's consumer gave up: it disconnected and reports whether it restarts itself. */
  crash(error: Error, restart: boolean): void {
    this.emit(events.CRASH, { payload: { error, restart, groupId: 'group' } });
  }
}

const fakeAdmin = { connect: async () => {}, disconnect: async () => {} };

function consumerOver(fake: FakeConsumer): KafkajsGroupConsumer {
  const kafka = { consumer: () => fake, admin: () => fakeAdmin } as unknown as Kafka;
  return new KafkajsGroupConsumer(kafka, 'group');
}

const listener = { onAssigned: () => {}, onRevoked: () => {} };

/** kafkajs's typings give this error no constructor arguments; at run time it takes its message. */
const coordinatorNotFound = () =>
  new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)(
    'Failed to find group coordinator',
  );

describe('KafkajsGroupConsumer after a crash', () => {
  afterEach(() => jest.useRealTimers());

  it('starts the consumer again when the group has no coordinator yet, which kafkajs gives up on', async () => {
    jest.useFakeTimers();
    const fake = new FakeConsumer();
    const consumer = consumerOver(fake);
    await consumer.connect(listener);
    consumer.subscribe(['events']);
    await jest.advanceTimersByTimeAsync(0);
    expect(fake.runs).toBe(1);

    fake.crash(coordinatorNotFound(), false);
    await jest.advanceTimersByTimeAsync(1_500); // the first backoff: 1 s ± 20 %
    expect(fake.runs).toBe(2);
    // The runtime sees no failure: it goes on asking for records.
    const consumed = consumer.consumeBatch(100, 10);
    await jest.advanceTimersByTimeAsync(20);
    await expect(consumed).resolves.toEqual([]);
  });

  it('backs off further while the crashes go on, and starts counting anew after a join', async () => {
    jest.useFakeTimers();
    const fake = new FakeConsumer();
    const consumer = consumerOver(fake);
    await consumer.connect(listener);
    consumer.subscribe(['events']);
    await jest.advanceTimersByTimeAsync(0);
    fake.crash(coordinatorNotFound(), false);
    await jest.advanceTimersByTimeAsync(1_500);
    fake.crash(coordinatorNotFound(), false);
    await jest.advanceTimersByTimeAsync(1_500); // the second waits 2 s ± 20 %
    expect(fake.runs).toBe(2);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(fake.runs).toBe(3);

    fake.emit(events.GROUP_JOIN, { payload: { memberAssignment: { events: [0] } } });
    fake.crash(coordinatorNotFound(), false);
    await jest.advanceTimersByTimeAsync(1_500);
    expect(fake.runs).toBe(4);
  });

  it('leaves restarting to kafkajs when it restarts itself', async () => {
    jest.useFakeTimers();
    const fake = new FakeConsumer();
    const consumer = consumerOver(fake);
    await consumer.connect(listener);
    consumer.subscribe(['events']);
    await jest.advanceTimersByTimeAsync(0);
    fake.crash(new Error('Connection error: connect ECONNREFUSED'), true);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(fake.runs).toBe(1);
  });

  it('stops the runtime with the failure when no restart can help', async () => {
    const fake = new FakeConsumer();
    const consumer = consumerOver(fake);
    await consumer.connect(listener);
    consumer.subscribe(['events']);
    fake.crash(new KafkaJSNonRetriableError('Cannot subscribe to topic while consumer is running'), false);
    await expect(consumer.consumeBatch(100, 10)).rejects.toMatchObject({
      retriable: false,
      message: expect.stringMatching(/kafkajs consumer stopped: Cannot subscribe/),
    });
    expect(fake.runs).toBe(1);
  });
});
