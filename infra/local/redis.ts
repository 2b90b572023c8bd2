import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { StackError } from '../../core/errors';
import { aptInstall, which } from './commands';
import { serviceDir, urlHostPort } from './paths';
import type { LocalService } from './service';

/** Debian's redis-server; one already answering on the configured address is reused as it is. */
export function redisService(config: ReelstreamConfig): LocalService {
  const dir = serviceDir(config, 'redis');
  const { host, port } = urlHostPort(config.redis.url, 6379);
  const binary = () => {
    const path = which('redis-server');
    if (!path) throw new StackError('redis', 'redis-server is not installed');
    return path;
  };

  return {
    name: 'redis',
    host,
    port,
    address: `redis://${host}:${port}`,
    startTimeoutMs: 20_000,
    pidFile: join(dir, 'redis.pid'),
    logFile: join(dir, 'redis.log'),

    async probe() {
      const client = new Redis(config.redis.url, {
        lazyConnect: true,
        connectTimeout: 1_000,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
      });
      client.on('error', () => undefined); // the rejected promise below carries the failure
      try {
        await client.connect();
        const info = await client.info('server');
        const version = /redis_version:(\S+)/.exec(info)?.[1];
        return `Redis ${version ?? '(unknown version)'}`;
      } finally {
        client.disconnect();
      }
    },

    async install() {
      if (!which('redis-server')) await aptInstall('redis', ['redis-server']);
    },

    launchCommand() {
      mkdirSync(join(dir, 'data'), { recursive: true });
      return {
        command: binary(),
        // In the foreground (the stack detaches it) and without persistence: Redis holds
        // derived aggregates only; the pipeline can always rebuild them from Kafka.
        args: ['--bind', host, '--port', String(port), '--dir', join(dir, 'data'), '--save', '', '--appendonly', 'no'],
        cwd: dir,
      };
    },
  };
}
