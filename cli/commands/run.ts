import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { startMetricsServer } from '../../runtime/metrics-server';
import { configFrom } from '../options';
import { runApplication, type RunRequest } from '../run/run-application';
import { startStreamThreads } from '../run/run-threads';
import { loadTopology } from '../topology-loader';

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
      'commit every this many milliseconds (default: processing.commitIntervalMs, 100)',
      (value) => {
        const ms = Number(value);
        if (!Number.isInteger(ms) || ms <= 0)
          throw new ConfigError(`--commit-interval must be a positive integer of ms, not "${value}"`);
        return ms;
      },
    )
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://127.0.0.1:<port>/metrics', (value) => {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 0 || port > 65_535)
        throw new ConfigError(`--metrics-port must be a port number, not "${value}"`);
      return port;
    })
    .option('--threads <n>', 'stream threads in this process (default: processing.threads, 1)', (value) => {
      const threads = Number(value);
      if (!Number.isInteger(threads) || threads < 1 || threads > 64)
        throw new ConfigError(`--threads must be an integer from 1 to 64, not "${value}"`);
      return threads;
    })
    .action(
      async (
        name: string,
        options: { instanceId?: string; commitInterval?: number; metricsPort?: number; threads?: number },
        command: Command,
      ) => {
        const config = configFrom(command);
        loadTopology(name); // a topology that does not load fails here, before any thread starts
        const log = createLogger('run');
        const request: RunRequest = {
          topology: name,
          instanceId: options.instanceId ?? process.env.REELSTREAM_INSTANCE_ID ?? hostname(),
          commitIntervalMs: options.commitInterval ?? config.processing.commitIntervalMs,
          config,
        };
        const threads = options.threads ?? config.processing.threads;
        let stop: (() => void) | undefined;
        const onSignal = (signal: string) => {
          log.info({ signal }, 'stopping: finishing the batch and committing');
          stop?.();
        };
        process.once('SIGTERM', () => onSignal('SIGTERM'));
        process.once('SIGINT', () => onSignal('SIGINT'));
        if (threads === 1) {
          const metrics = options.metricsPort === undefined ? undefined : await startMetricsServer(options.metricsPort);
          try {
            await runApplication(request, (stopApplication) => (stop = stopApplication));
          } finally {
            metrics?.close();
          }
          return;
        }
        const running = startStreamThreads(request, threads);
        stop = running.stop;
        log.info({ threads, instanceId: request.instanceId }, 'started stream threads');
        const metrics =
          options.metricsPort === undefined
            ? undefined
            : await startMetricsServer(options.metricsPort, undefined, running.metrics);
        try {
          await running.done;
        } finally {
          metrics?.close();
        }
      },
    );
}
