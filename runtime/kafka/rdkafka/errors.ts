import { CODES } from 'node-rdkafka';
import { ServiceUnavailableError } from '../../../core/errors';

const { ERRORS } = CODES;

/** Refusals that no retry changes: the application must stop and say why. */
const PERMANENT: ReadonlyMap<number, string> = new Map([
  [ERRORS.ERR_MSG_SIZE_TOO_LARGE, 'a record is larger than the topic accepts'],
  [ERRORS.ERR_RECORD_LIST_TOO_LARGE, 'a record batch is larger than the topic accepts'],
  [ERRORS.ERR__FENCED, 'this producer was fenced by a newer instance with the same transactional id'],
  [ERRORS.ERR_PRODUCER_FENCED, 'this producer was fenced by a newer instance with the same transactional id'],
  [ERRORS.ERR_INVALID_PRODUCER_EPOCH, 'this producer was fenced by a newer instance with the same transactional id'],
  [ERRORS.ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 'not authorized to use this transactional id'],
  [ERRORS.ERR_TOPIC_AUTHORIZATION_FAILED, 'not authorized for a topic'],
  [ERRORS.ERR_GROUP_AUTHORIZATION_FAILED, 'not authorized for the consumer group'],
  [ERRORS.ERR_CLUSTER_AUTHORIZATION_FAILED, 'not authorized on the cluster'],
  [ERRORS.ERR_UNSUPPORTED_VERSION, 'the broker does not support a request this client needs'],
]);

interface LibrdkafkaFailure {
  message?: string;
  code?: number;
}

/** Why a record can never be delivered, or undefined when a retry may deliver it. */
export function permanentCause(error: LibrdkafkaFailure): string | undefined {
  return error.code === undefined ? undefined : PERMANENT.get(error.code);
}

/**
 * Classifies a librdkafka failure by what it is: a broker that is down or a request that timed out
 * is waited for; a permanent refusal (fenced, too large, not authorized) stops the application,
 * and its message says which — a record too large is not "service unavailable".
 */
export function classifyRdkafkaError(what: string, error: unknown): ServiceUnavailableError {
  const failure = (error ?? {}) as LibrdkafkaFailure;
  const message = failure.message ?? String(error);
  const permanent = permanentCause(failure);
  if (permanent)
    return new ServiceUnavailableError('kafka', `${what}: ${permanent} (${message})`, {
      cause: error,
      retriable: false,
    });
  // Other fatal errors (an idempotence state librdkafka cannot repair) are retried too: the failed
  // commit's abort fails, and the producer is replaced by a fresh one with the same transactional id.
  return new ServiceUnavailableError('kafka', `${what}: ${message}`, { cause: error });
}
