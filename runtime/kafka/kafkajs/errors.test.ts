import {
  KafkaJSConnectionError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import { classifyKafkajsError } from './errors';

/** kafkajs builds these from a broker error code's entry; its typings only admit an Error. */
const protocolError = (type: string, code: number, retriable: boolean) =>
  new KafkaJSProtocolError({ type, code, retriable, message: `${type} from the broker` } as unknown as Error);

/** kafkajs's typings give this error no constructor arguments; at run time it takes its message. */
const coordinatorNotFound = () =>
  new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)(
    'Failed to find group coordinator',
  );

describe('classifyKafkajsError', () => {
  it('waits for a broker that is down, also once kafkajs gave up retrying', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    expect(classifyKafkajsError('commit', refused).retriable).toBe(true);
    const exhausted = new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 1000 });
    expect(exhausted.retriable).toBe(false); // what kafkajs says
    const classified = classifyKafkajsError('commit', exhausted);
    expect(classified.retriable).toBe(true);
    expect(classified.message).toContain('commit');
  });

  it('stops on refusals no retry changes, and names them', () => {
    const tooLarge = protocolError('MESSAGE_TOO_LARGE', 10, false);
    const classified = classifyKafkajsError('send records', tooLarge);
    expect(classified.retriable).toBe(false);
    expect(classified.message).toMatch(/larger than the topic accepts/);
    expect(classified.message).not.toMatch(/unavailable/i);
    const fenced = protocolError('INVALID_PRODUCER_EPOCH', 47, false);
    expect(classifyKafkajsError('commit', fenced).message).toMatch(/fenced/);
  });

  it('keeps kafkajs retriable protocol errors retriable', () => {
    const notLeader = protocolError('NOT_LEADER_FOR_PARTITION', 6, true);
    expect(classifyKafkajsError('send', notLeader).retriable).toBe(true);
  });

  it('waits for a group coordinator, which a broker that just started does not have yet', () => {
    const missing = coordinatorNotFound();
    expect((missing as { retriable?: boolean }).retriable).toBe(false); // what kafkajs says
    expect(classifyKafkajsError('join group', missing).retriable).toBe(true);
  });
});
