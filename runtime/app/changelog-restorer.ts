import { TopicPartitionMap } from '../kafka/topic-partition-map';
import type { KafkaTransport } from '../kafka/transport';
import type { TaskId } from '../task/task-id';
import { restoredRecords, restoredStoreEntries } from '../metrics';
import { takeCheckpoint } from '../state/store-checkpoint';
import type { Topology } from '../topology/topology';
import { decodeInternal } from './record-codec';
import type { EntryDelta } from '../state/changelogging-store';
import type { ActiveTask } from './task-manager';

interface RestoreTarget {
  task: TaskId;
  store: string;
  restore: (key: unknown, value: unknown) => void;
}

/** What a restore did, per task and in total. */
export interface RestoreResult {
  /** Changelog records applied, per task. */
  restoredPerTask: Map<TaskId, number>;
  /** Entries the restored stores hold afterwards. */
  held: number;
  /** On-disk stores that resumed from their checkpoint (only the changelog after it was read). */
  resumed: number;
}

/**
 * Restores new tasks' stores from their changelogs before they process anything (Kafka Streams'
 * StoreChangelogReader): one read over every changelog partition of the assignment, so restoring
 * many tasks costs one client, not one per task. An on-disk store with a checkpoint
 * (runtime/state/store-checkpoint.ts) is read from its checkpoint's offset — only the tail; one
 * without is emptied and read from the start.
 */
export async function restoreFromChangelogs(
  tasks: readonly ActiveTask[],
  topology: Topology,
  transport: KafkaTransport,
  applicationId: string,
): Promise<RestoreResult> {
  const targets = new TopicPartitionMap<RestoreTarget>();
  const from = new TopicPartitionMap<number>();
  let resumed = 0;
  for (const { id, task, partition } of tasks) {
    for (const built of task.stores.values()) {
      const changelog = topology.stores.get(built.spec.name)?.changelogTopic;
      const changelogging = built.changelogging;
      if (!changelog || !changelogging) continue;
      if (built.persistent) {
        const checkpoint = takeCheckpoint(built.persistent.dir);
        if (checkpoint && checkpoint.changelog === changelog && checkpoint.partition === partition) {
          from.set({ topic: changelog, partition }, checkpoint.offset);
          resumed += 1;
        } else built.persistent.store.clear();
      }
      targets.set(
        { topic: changelog, partition },
        {
          task: id,
          store: built.spec.name,
          // An entry-logged store's deltas are keyed by (store key, delta number): see task-manager.ts.
          restore: built.spec.entryLogged
            ? (key, value) => {
                const [storeKey, delta] = key as [unknown, number];
                changelogging.restoreDelta(storeKey, delta, value as EntryDelta | null);
              }
            : (key, value) => changelogging.restore(key, value),
        },
      );
    }
  }
  const restoredPerTask = new Map<TaskId, number>();
  const reader = transport.partitionReader();
  try {
    await reader.readToEnd(
      [...targets.keys()],
      (record) => {
        const target = targets.get(record);
        if (!target) return;
        target.restore(decodeInternal(record.key), decodeInternal(record.value));
        restoredRecords.inc({ application: applicationId, store: target.store });
        restoredPerTask.set(target.task, (restoredPerTask.get(target.task) ?? 0) + 1);
      },
      from,
    );
  } finally {
    await reader.disconnect();
  }
  let held = 0;
  const heldPerStore = new Map<string, number>();
  for (const { task } of tasks)
    for (const built of task.stores.values()) {
      if (!built.changelogging) continue;
      built.persistent?.store.flushWrites();
      const size = built.metered.size;
      held += size;
      heldPerStore.set(built.spec.name, (heldPerStore.get(built.spec.name) ?? 0) + size);
    }
  for (const [store, size] of heldPerStore) restoredStoreEntries.set({ application: applicationId, store }, size);
  return { restoredPerTask, held, resumed };
}
