import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Admin } from 'kafkajs';
import { ConfigError } from '../core/errors';
import type { Topology } from '../runtime/topology/topology';
import { inputTopicsOf, type ResetPlan, type ResetPoint } from './reset-plan';

/**
 * Plans a reset against the cluster as it is now (replay/reset-plan.ts says what a reset is). Refuses
 * while the application's consumer group has members: offsets of a running group cannot be moved
 * and its state would be written again at once.
 */
export async function planReset(
  admin: Admin,
  topology: Topology,
  point: ResetPoint,
  stateDir: string,
): Promise<ResetPlan> {
  const application = topology.name;
  const [group] = (await admin.describeGroups([application])).groups;
  if (group && group.members.length > 0)
    throw new ConfigError(
      `reset: application ${application} is running (${group.members.length} member(s) in its consumer group, state ${group.state}); stop it first`,
    );
  const existing = new Set(await admin.listTopics());
  const inputs = inputTopicsOf(topology);
  const missing = inputs.filter((topic) => !existing.has(topic));
  if (missing.length > 0) throw new ConfigError(`reset: input topics do not exist: ${missing.join(', ')}`);
  const committed = new Map<string, number>();
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId: application, topics: inputs }))
    for (const { partition, offset } of partitions)
      if (Number(offset) >= 0) committed.set(`${topic}:${partition}`, Number(offset));
  const offsets: ResetPlan['offsets'] = [];
  for (const topic of inputs) {
    const targets =
      point.kind === 'earliest'
        ? (await admin.fetchTopicOffsets(topic)).map(({ partition, low }) => ({ partition, offset: Number(low) }))
        : (await admin.fetchTopicOffsetsByTimestamp(topic, point.ms)).map(({ partition, offset }) => ({
            partition,
            offset: Number(offset),
          }));
    for (const { partition, offset } of targets.sort((a, b) => a.partition - b.partition))
      offsets.push({ topic, partition, from: committed.get(`${topic}:${partition}`), to: offset });
  }
  const directory = resolve(join(stateDir, application));
  return {
    application,
    offsets,
    deleteTopics: topology.internalTopics.filter((topic) => existing.has(topic)),
    wipeDirectories: existsSync(directory) ? [directory] : [],
  };
}

/** Carries a plan out: offsets first (the group must still be empty), then topics, then local state. */
export async function executeReset(admin: Admin, plan: ResetPlan): Promise<void> {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, to } of plan.offsets)
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset: String(to) }]);
  for (const [topic, partitions] of byTopic) await admin.setOffsets({ groupId: plan.application, topic, partitions });
  if (plan.deleteTopics.length > 0) await admin.deleteTopics({ topics: plan.deleteTopics });
  for (const directory of plan.wipeDirectories) rmSync(directory, { recursive: true, force: true });
}
