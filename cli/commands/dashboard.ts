import type { Command } from 'commander';
import Redis from 'ioredis';
import { ConfigError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { RedisKeys } from '../../sinks/redis/keys';
import { startDashboard } from '../dashboard/server';
import { configFrom } from '../options';

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('a read-only live page of the playback figures in Redis (server-sent events), on 127.0.0.1')
    .option(
      '--port <port>',
      'port to serve on',
      (value) => {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new ConfigError(`--port must be a port number, not "${value}"`);
        return port;
      },
      8088,
    )
    .option('--host <host>', 'address to bind (127.0.0.1: this machine only)', '127.0.0.1')
    .option('--pipeline <url>', "the pipeline's /readyz to show its health, e.g. http://127.0.0.1:9464/readyz")
    .action(async (options: { port: number; host: string; pipeline?: string }, command: Command) => {
      const config = configFrom(command);
      const log = createLogger('dashboard');
      const redis = new Redis(config.redis.url, { commandTimeout: 2_000, maxRetriesPerRequest: 1 });
      redis.on('error', () => undefined); // reported as staleness on the page and in one warning
      const server = await startDashboard({
        redis,
        keys: new RedisKeys(config.redis.keyPrefix),
        host: options.host,
        port: options.port,
        intervalMs: 1_000,
        pipelineUrl: options.pipeline,
        log,
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : options.port;
      console.log(`dashboard: http://${options.host}:${port}/`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          server.stopReading();
          server.close(() => resolve());
          redis.disconnect();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
