import { CODES } from 'node-rdkafka';
import { classifyRdkafkaError } from './errors';

const failure = (code: number, message: string, isFatal = false) =>
  Object.assign(new Error(message), { code, isFatal });

describe('classifyRdkafkaError', () => {
  it('waits for a broker that is down', () => {
    const down = failure(CODES.ERRORS.ERR__TRANSPORT, 'Local: Broker transport failure');
    expect(classifyRdkafkaError('consume', down).retriable).toBe(true);
    expect(classifyRdkafkaError('consume', failure(CODES.ERRORS.ERR__MSG_TIMED_OUT, 'timed out')).retriable).toBe(true);
  });

  it('stops on a record too large and a fenced producer, saying which', () => {
    const tooLarge = classifyRdkafkaError(
      'commitTransaction',
      failure(CODES.ERRORS.ERR_MSG_SIZE_TOO_LARGE, 'Broker: Message size too large'),
    );
    expect(tooLarge.retriable).toBe(false);
    expect(tooLarge.message).toMatch(/larger than the topic accepts/);
    const fenced = classifyRdkafkaError(
      'commitTransaction',
      failure(CODES.ERRORS.ERR__FENCED, 'Local: This instance has been fenced'),
    );
    expect(fenced.message).toMatch(/fenced by a newer instance/);
  });
});
