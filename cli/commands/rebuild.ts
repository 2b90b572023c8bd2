import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { MATERIALIZATIONS } from '../../replay/materializations';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { changelogTopic, dlqTopic } from '../../runtime/naming';
import { configFrom } from '../options';
import { runApplication } from '../run/run-application';
import { loadTopology } from '../topology-loader';

/** Per partition of `topic`: where it starts and where it ends now. */
async function extent(admin: Admin, topic: string) {
  return (await admin.fetchTopicOffsets(topic)).map(({ partition, low, high }) => ({
    partition,
    low: Number(low),
    high: Number(high),
  }));
}

/** How much of each partition's [low, high) the group has committed. */
async function committedOf(admin: Admin, group: string, topic: string, ends: Awaited<ReturnType<typeof extent>>) {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return ends.reduce((sum, { partition, low, high }) => {
    const offset = Number(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    return sum + Math.max(0, Math.min(high, offset) - low);
  }, 0);
}

export function registerRebuildCommand(program: Command): void {
  program
    .command('rebuild')
    .description('rebuild a materialization from its compacted topic, beside the live application (progress bar)')
    .argument('<materialization>', `one of: ${Object.keys(MATERIALIZATIONS).join(', ')}`)
    .action(async (name: string, _options: unknown, command: Command) => {
      const materialization = MATERIALIZATIONS[name];
      if (!materialization)
        throw new ConfigError(
          `rebuild: unknown materialization "${name}" (known: ${Object.entries(MATERIALIZATIONS)
            .map(([key, value]) => `${key}: ${value.description}`)
            .join('; ')})`,
        );
      const config = configFrom(command);
      const log = createLogger('rebuild');
      const application = `${materialization.topology}-rebuild-${Date.now().toString(36)}`;
      process.env[materialization.applicationEnv] = application;
      const topic = process.env[materialization.topicEnv] ?? materialization.defaultTopic;
      const topology = loadTopology(materialization.topology);
      const admin = createKafkaJs(config.kafka).admin();
      await admin.connect();
      const bar = new SingleBar(
        {
          format: `rebuild ${name} [{bar}] {value}/{total} records · {speed} records/s · ETA {eta}s`,
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 1_000,
        },
        Presets.shades_classic,
      );
      try {
        const ends = await extent(admin, topic);
        const total = ends.reduce((sum, { low, high }) => sum + (high - low), 0);
        bar.start(total, 0, { speed: 0 });
        const started = Date.now();
        let stop: (() => void) | undefined;
        const running = runApplication(
          { topology: materialization.topology, instanceId: application, commitIntervalMs: 100, config },
          (stopIt) => (stop = stopIt),
        );
        let done = 0;
        while (done < total) {
          const outcome = await Promise.race([
            running.then(() => 'ended'),
            new Promise((resolve) => setTimeout(resolve, 250, 'polled')),
          ]);
          if (outcome === 'ended')
            throw new ConfigError(`rebuild: ${application} ended before reaching the end of ${topic}`);
          done = await committedOf(admin, application, topic, ends);
          bar.update(done, { speed: Math.round((done * 1000) / Math.max(1, Date.now() - started)) });
        }
        stop?.();
        await running;
        bar.stop();
        console.log(`rebuilt ${name}: ${total} records of ${topic} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } finally {
        bar.stop();
        // The rebuild's own application leaves nothing behind.
        await admin
          .deleteGroups([application])
          .catch((error: unknown) => log.warn({ err: error }, 'deleting the group'));
        const internal = [
          ...topology.internalTopics,
          ...[...topology.stores.keys()].map((store) => changelogTopic(application, store)),
          dlqTopic(application),
        ];
        const existing = new Set(await admin.listTopics());
        const leftovers = [...new Set(internal)].filter((name) => existing.has(name));
        if (leftovers.length > 0) await admin.deleteTopics({ topics: leftovers }).catch(() => undefined);
        await admin.disconnect();
      }
    });
}
