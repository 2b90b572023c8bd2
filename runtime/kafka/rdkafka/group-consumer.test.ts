import type { Message } from 'node-rdkafka';
import { RdkafkaGroupConsumer } from './group-consumer';

/**
 * The group consumer's batches against a node-rdkafka double that keeps node-rdkafka's batch
 * consume semantics (src/workers.cc, KafkaConsumerConsumeNum): the call waits up to its timeout for
 * each message in turn, and returns when the batch is full or one wait times out. Time is virtual:
 * `arrivals` are when messages reach the client's queue, and each call reports how long it took.
 */
const arrivals: number[] = [];
let now = 0;
const calls: { max: number; timeoutMs: number; tookMs: number; got: number }[] = [];

jest.mock('node-rdkafka', () => ({
  CODES: { ERRORS: {} },
  KafkaConsumer: class {
    private timeoutMs = 1_000;
    setDefaultConsumeTimeout(timeoutMs: number): void {
      this.timeoutMs = timeoutMs;
    }
    consume(max: number, callback: (error: null, messages: Message[]) => void): void {
      const started = now;
      const messages: Message[] = [];
      while (messages.length < max) {
        const next = arrivals[0];
        if (next === undefined || next > now + this.timeoutMs) {
          now += this.timeoutMs; // the wait for the next message times out
          break;
        }
        now = Math.max(now, next);
        arrivals.shift();
        messages.push({
          topic: 't',
          partition: 0,
          offset: messages.length,
          value: Buffer.from('v'),
          size: 1,
        } as Message);
      }
      calls.push({ max, timeoutMs: this.timeoutMs, tookMs: now - started, got: messages.length });
      setImmediate(() => callback(null, messages));
    }
  },
}));

const config = { brokers: ['localhost:9092'], clientId: 'test', maxPollIntervalMs: 300_000 } as never;

beforeEach(() => {
  arrivals.length = 0;
  calls.length = 0;
  now = 0;
});

describe('RdkafkaGroupConsumer batches', () => {
  it('returns what arrived without waiting for a full batch when records trickle in', async () => {
    // Ten records a second, as a probe produces: node-rdkafka's wait per message never times out.
    for (let at = 100; at <= 600_000; at += 100) arrivals.push(at);
    const consumer = new RdkafkaGroupConsumer(config, 'group');
    const records = await consumer.consumeBatch(5_000, 1_000);
    expect(records.length).toBeGreaterThanOrEqual(1);
    // Once a call of 5,000 at 1 s per message took 500 s here: the stream thread stood still.
    expect(now).toBeLessThanOrEqual(1_000 + 2);
    expect(calls.every((call) => call.tookMs <= 1_000 + 1)).toBe(true);
  });

  it('takes what is already fetched in one call, up to the batch size', async () => {
    for (let index = 0; index < 12_000; index += 1) arrivals.push(0);
    const consumer = new RdkafkaGroupConsumer(config, 'group');
    const records = await consumer.consumeBatch(5_000, 1_000);
    expect(records).toHaveLength(5_000);
    expect(calls).toHaveLength(1);
  });

  it('waits up to the given time for the first record when none is fetched, and takes what follows it', async () => {
    arrivals.push(400, 400, 400, 2_000);
    const consumer = new RdkafkaGroupConsumer(config, 'group');
    const records = await consumer.consumeBatch(5_000, 1_000);
    expect(records).toHaveLength(3);
    expect(now).toBeLessThanOrEqual(400 + 2);

    const nothing = await new RdkafkaGroupConsumer(config, 'other').consumeBatch(5_000, 300);
    expect(nothing).toHaveLength(0);
  });
});
