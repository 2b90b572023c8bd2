import { TopicPartitionMap } from '../kafka/topic-partition-map';
import type { KafkaTransport } from '../kafka/transport';
import type { TaskId } from '../task/task-id';
import { restoredRecords } from '../metrics';
import type { Topology } from '../topology/topology';
import { decodeInternal } from './record-codec';
import type { EntryDelta } from '../state/changelogging-store';
import type { ActiveTask } from './task-manager';

interface RestoreTarget {
  task: TaskId;
  store: string;
  restore: (key: unknown, value: unknown) => void;
}

/**
 * Restores new tasks' stores from their changelogs before they process anything (Kafka Streams'
 * StoreChangelogReader): one read over every changelog partition of the assignment, so restoring
 * many tasks costs one client, not one per task. Returns the records restored per task.
 */
export async function restoreFromChangelogs(
  tasks: readonly ActiveTask[],
  topology: Topology,
  transport: KafkaTransport,
  applicationId: string,
): Promise<Map<TaskId, number>> {
  const targets = new TopicPartitionMap<RestoreTarget>();
  for (const { id, task, partition } of tasks) {
    for (const built of task.stores.values()) {
      const changelog = topology.stores.get(built.spec.name)?.changelogTopic;
      const changelogging = built.changelogging;
      if (!changelog || !changelogging) continue;
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
    await reader.readToEnd([...targets.keys()], (record) => {
      const target = targets.get(record);
      if (!target) return;
      target.restore(decodeInternal(record.key), decodeInternal(record.value));
      restoredRecords.inc({ application: applicationId, store: target.store });
      restoredPerTask.set(target.task, (restoredPerTask.get(target.task) ?? 0) + 1);
    });
  } finally {
    await reader.disconnect();
  }
  return restoredPerTask;
}
