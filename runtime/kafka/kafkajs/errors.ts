import { ServiceUnavailableError } from '../../../core/errors';

/** Refusals that no retry changes: the application must stop and say why. */
const PERMANENT_TYPES: Record<string, string> = {
  MESSAGE_TOO_LARGE: 'a record is larger than the topic accepts',
  RECORD_LIST_TOO_LARGE: 'a record batch is larger than the topic accepts',
  INVALID_PRODUCER_EPOCH: 'this producer was fenced by a newer instance with the same transactional id',
  PRODUCER_FENCED: 'this producer was fenced by a newer instance with the same transactional id',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'not authorized to use this transactional id',
  TOPIC_AUTHORIZATION_FAILED: 'not authorized for a topic',
  GROUP_AUTHORIZATION_FAILED: 'not authorized for the consumer group',
  CLUSTER_AUTHORIZATION_FAILED: 'not authorized on the cluster',
  UNSUPPORTED_VERSION: 'the broker does not support a request this client needs',
  UNSUPPORTED_COMPRESSION_TYPE: 'a compression codec the client cannot read',
};

interface KafkajsFailure {
  name?: string;
  message?: string;
  type?: string;
  retriable?: boolean;
  cause?: unknown;
}

/** The innermost error kafkajs wrapped (its retrier wraps the last failure in KafkaJSNumberOfRetriesExceeded). */
function rootOf(error: unknown): KafkajsFailure {
  let current = error as KafkajsFailure;
  for (let depth = 0; depth < 5 && current?.cause && typeof current.cause === 'object'; depth += 1)
    current = current.cause as KafkajsFailure;
  return current ?? {};
}

/**
 * Classifies a kafkajs failure by what it is, not by kafkajs's own retriable flag: kafkajs marks
 * "my retries ran out" (KafkaJSNumberOfRetriesExceeded) as not retriable, yet a broker that was
 * down for 15 s is exactly what the runtime must wait for. Truly permanent refusals (fenced, too
 * large, not authorized) stop the application and say so.
 */
export function classifyKafkajsError(what: string, error: unknown): ServiceUnavailableError {
  const failure = error as KafkajsFailure;
  const root = rootOf(error);
  const type = failure.type ?? root.type;
  const message = failure.message ?? String(error);
  if (type && PERMANENT_TYPES[type])
    return new ServiceUnavailableError('kafka', `${what}: ${PERMANENT_TYPES[type]} (${type}: ${message})`, {
      cause: error,
      retriable: false,
    });
  const retriesExhausted = failure.name === 'KafkaJSNumberOfRetriesExceeded';
  const names = `${failure.name ?? ''} ${root.name ?? ''}`;
  const connection =
    /KafkaJS(Connection|ConnectionClosed|RequestTimeout|BrokerNotFound|NoBrokerAvailable|LockTimeout|MetadataNotLoaded|TopicMetadataNotLoaded|StaleTopicMetadataAssignment)Error/.test(
      names,
    );
  // kafkajs marks it not retriable, yet no coordinator is what a group meets on a broker that just
  // started (its offsets topic is still being created) or while the coordinator moves.
  const coordinatorMissing = /KafkaJSGroupCoordinatorNotFound/.test(names);
  const networkCode = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|Connection error|Closed connection/i.test(
    `${message} ${root.message ?? ''}`,
  );
  const retriable =
    connection ||
    networkCode ||
    coordinatorMissing ||
    (retriesExhausted ? root.retriable !== false : failure.retriable !== false);
  return new ServiceUnavailableError('kafka', `${what}: ${message}`, { cause: error, retriable });
}

/** kafkajs rejects with its own errors; the runtime retries what is retriable and names the step. */
export async function step<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw classifyKafkajsError(what, error);
  }
}
