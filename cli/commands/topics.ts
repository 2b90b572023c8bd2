import type { Command } from 'commander';
import { applyTopics, describeChange } from '../../infra/kafka/apply-topics';
import { pipelineTopics } from '../../infra/kafka/topics';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { configFrom } from '../options';

export function registerTopicsCommand(program: Command): void {
  const topics = program.command('topics').description('the Kafka topics the pipeline uses, specified in infra/kafka');

  topics
    .command('apply')
    .description('create or update the topics idempotently (a second run changes nothing)')
    .option('--dry-run', 'print what would change without changing it')
    .action(async (options: { dryRun?: boolean }, command: Command) => {
      const config = configFrom(command);
      const admin = createKafkaJs(config.kafka).admin();
      await admin.connect();
      try {
        const specs = pipelineTopics();
        const changes = await applyTopics(admin, specs, options.dryRun ?? false);
        const verb = options.dryRun ? 'would change' : 'changed';
        for (const change of changes) console.log(`${options.dryRun ? '(dry run) ' : ''}${describeChange(change)}`);
        console.log(`${specs.length} topics checked, ${changes.length} ${verb}.`);
      } finally {
        await admin.disconnect();
      }
    });

  topics
    .command('list')
    .description('the topic specs: name, partitions, configs')
    .action(() => {
      for (const spec of pipelineTopics()) {
        const configs = Object.entries(spec.configs)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ');
        console.log(
          `${spec.name.padEnd(28)} ${String(spec.partitions).padStart(2)}  ${configs}  — ${spec.description}`,
        );
      }
    });
}
