import { hostname } from 'node:os';
import type { Command } from 'commander';
import { StreamApplication } from '../../runtime/app/stream-application';
import { ConfigError } from '../../core/errors';
import { createKafkaJs } from '../../runtime/kafka/kafkajs/client';
import { createTransport } from '../../runtime/kafka/create-transport';
import { createLogger } from '../../core/logging';
import { startMetricsServer } from '../../runtime/metrics-server';
import { connectSchemaRegistry } from '../../schemas/serde/registry-client';
import { configFrom } from '../options';
import { createSinkResolver } from '../sink-resolver';
import { loadTopology } from '../topology-loader';
import { kafkajsAdmin } from '../../runtime/kafka/kafkajs/admin';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run a topology on Kafka until SIGTERM/SIGINT (then finish the batch, commit, leave the group)')
    .argument('<topology>', 'a name in topologies/ or a path to a topology module')
    .option(
      '--instance-id <id>',
      'stable id of this instance (names its transactional producer); default REELSTREAM_INSTANCE_ID or the host name',
    )
    .option(
      '--commit-interval <ms>',
      'commit every this many milliseconds',
      (value) => {
        const ms = Number(value);
        if (!Number.isInteger(ms) || ms <= 0)
          throw new ConfigError(`--commit-interval must be a positive integer of ms, not "${value}"`);
        return ms;
      },
      1_000,
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics', (value) => {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new ConfigError(`--metrics-port must be a port number, not "${value}"`);
      return port;
    })
    .action(
      async (
        name: string,
        options: { instanceId?: string; commitInterval: number; metricsPort?: number },
        command: Command,
      ) => {
        const config = configFrom(command);
        const topology = loadTopology(name);
        const log = createLogger('run');
        const admin = createKafkaJs(config.kafka).admin();
        await admin.connect();
        const sinks = createSinkResolver(config, topology.name);
        const app = new StreamApplication({
          topology,
          applicationId: topology.name,
          transport: createTransport(config.kafka),
          admin: kafkajsAdmin(admin),
          sinks: sinks.resolve,
          registry: connectSchemaRegistry(config.schemaRegistry),
          instanceId: options.instanceId ?? process.env.REELSTREAM_INSTANCE_ID ?? hostname(),
          commitIntervalMs: options.commitInterval,
          maxEventTimeAheadMs: config.processing.maxEventTimeAheadMs,
          alignment: { maxWaitMs: config.processing.alignmentMaxWaitMs },
          stallWarningMs: config.processing.stallWarningMs,
        });
        const stop = (signal: string) => {
          log.info({ signal }, 'stopping: finishing the batch and committing');
          app.stop();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        const metrics = options.metricsPort === undefined ? undefined : await startMetricsServer(options.metricsPort);
        await app.start();
        try {
          await app.run();
        } finally {
          metrics?.close();
          await app.close();
          await sinks.close();
          await admin.disconnect();
          log.info(app.stats, 'stopped');
        }
      },
    );
}
