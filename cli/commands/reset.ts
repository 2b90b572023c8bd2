import type { Command } from 'commander';
import { ConfigError } from '../../core/errors';
import { describeResetPlan, type ResetPoint } from '../../replay/reset-plan';
import { executeReset, planReset } from '../../replay/reset';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { configFrom } from '../options';
import { loadTopology } from '../topology-loader';

function resetPoint(value: string): ResetPoint {
  if (value === 'earliest') return { kind: 'earliest' };
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new ConfigError(`--to must be "earliest" or an ISO time, not "${value}"`);
  return { kind: 'time', ms };
}

export function registerResetCommand(program: Command): void {
  program
    .command('reset')
    .description(
      "reset an application as Kafka Streams' reset tool does: input offsets to a point, internal topics deleted, local state wiped (prints the plan; changes nothing without --execute)",
    )
    .argument('<topology>', 'a name in topologies/ or a path to a topology module (its application is reset)')
    .option('--to <point>', '"earliest" or an ISO time: the first offset at or after it', 'earliest')
    .option('--execute', 'carry the plan out (the application must be stopped)')
    .action(async (name: string, options: { to: string; execute?: boolean }, command: Command) => {
      const config = configFrom(command);
      const point = resetPoint(options.to);
      const topology = loadTopology(name);
      const admin = createKafkaJs(config.kafka).admin();
      await admin.connect();
      try {
        const plan = await planReset(admin, topology, point, config.processing.stateDir);
        for (const line of describeResetPlan(plan, point)) console.log(line);
        if (!options.execute) {
          console.log('dry run: nothing changed (add --execute to carry it out)');
          return;
        }
        await executeReset(admin, plan);
        console.log(`reset done: ${plan.offsets.length} partitions, ${plan.deleteTopics.length} topics deleted`);
      } finally {
        await admin.disconnect();
      }
    });
}
