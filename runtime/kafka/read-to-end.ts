import type { GroupConsumer, TopicPartition } from './transport';

/**
 * Whether every partition is read to its last-known end. An empty fetch alone is not live: kafkajs
 * returns nothing while it waits for the batches of its previous fetch, however far behind the
 * partitions are — taken for caught up, it made the overload control undo its sampling in the middle
 * of an overload. A partition whose end or position the client does not know yet does not count.
 */
export function readToKnownEnd(
  consumer: Pick<GroupConsumer, 'fetchState'>,
  partitions: readonly TopicPartition[],
): boolean {
  return partitions.every((partition) => {
    const state = consumer.fetchState(partition);
    return state?.position === undefined || state.position >= state.end;
  });
}
