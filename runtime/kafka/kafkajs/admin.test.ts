import { KafkaJSProtocolError, type Admin } from 'kafkajs';
import { ServiceUnavailableError } from '../../../core/errors';
import { kafkajsAdmin } from './admin';

/** kafkajs builds these from a broker error code's entry; its typings only admit an Error. */
const unknownPartition = () =>
  new KafkaJSProtocolError({
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    code: 3,
    retriable: true,
    message: 'This server does not host this topic-partition',
  } as unknown as Error);

describe('kafkajsAdmin', () => {
  it('reports a failure as a classified error naming the step, so the runtime retries what is transient', async () => {
    // A topic just created whose metadata the broker does not serve yet: kafkajs's wait for its
    // leaders gives up on this, and a raw kafkajs error stopped the application.
    const admin = kafkajsAdmin({
      createTopics: () => Promise.reject(unknownPartition()),
    } as unknown as Admin);
    const failure = await admin
      .createTopics([{ topic: 'app-store-changelog', partitions: 3, config: {} }])
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceUnavailableError);
    expect(failure).toMatchObject({
      retriable: true,
      message: expect.stringMatching(/^kafka: create topics: This server/),
    });
  });
});
