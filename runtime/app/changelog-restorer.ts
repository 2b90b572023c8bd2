import type { KafkaTransport } from '../kafka/transport';
import { restoredRecords } from '../metrics';
import type { Topology } from '../topology/topology';
import { decodeJson } from './record-codec';
import type { ActiveTask } from './task-manager';

interface RestoreTarget {
  task: string;
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
): Promise<Map<string, number>> {
  const targets = new Map<string, RestoreTarget>();
  for (const { id, task, partition } of tasks) {
    for (const built of task.stores.values()) {
      const changelog = topology.stores.get(built.spec.name)?.changelogTopic;
      const changelogging = built.changelogging;
      if (!changelog || !changelogging) continue;
      targets.set(`${changelog}:${partition}`, {
        task: id,
        store: built.spec.name,
        restore: (key, value) => changelogging.restore(key, value),
      });
    }
  }
  const restoredPerTask = new Map<string, number>();
  const reader = transport.partitionReader();
  try {
    await reader.readToEnd(
      [...targets.keys()].map((key) => {
        const separator = key.lastIndexOf(':');
        return { topic: key.slice(0, separator), partition: Number(key.slice(separator + 1)) };
      }),
      (record) => {
        const target = targets.get(`${record.topic}:${record.partition}`);
        if (!target) return;
        target.restore(decodeJson(record.key), record.value === null ? null : decodeJson(record.value));
        restoredRecords.inc({ application: applicationId, store: target.store });
        restoredPerTask.set(target.task, (restoredPerTask.get(target.task) ?? 0) + 1);
      },
    );
  } finally {
    await reader.disconnect();
  }
  return restoredPerTask;
}
