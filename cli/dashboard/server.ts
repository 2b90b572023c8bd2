import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Redis } from 'ioredis';
import { describeError } from '../../core/errors';
import type { Logger } from '../../core/logging';
import type { RedisKeys } from '../../sinks/redis/keys';
import { DASHBOARD_PAGE } from './page';
import { readSnapshot, type DashboardSnapshot } from './snapshot';

export interface DashboardOptions {
  redis: Redis;
  keys: RedisKeys;
  host: string;
  port: number;
  /** How often a snapshot is read and pushed. */
  intervalMs: number;
  /** A pipeline's /readyz to show its health; none: unknown. */
  pipelineUrl?: string;
  log: Logger;
}

/** What each server-sent event carries: the latest good snapshot, and why it is stale if it is. */
export interface DashboardMessage {
  snapshot: DashboardSnapshot | null;
  stale?: string;
  pipeline: string;
}

/**
 * The live dashboard, read-only: GET / (the page), GET /events (a server-sent event per interval),
 * GET /snapshot.json; nothing else, and no method but GET and HEAD. One reader loop serves every
 * client. When Redis does not answer, clients get the last good snapshot marked stale, and ioredis
 * reconnects by itself; the next good read clears it.
 */
export async function startDashboard(options: DashboardOptions): Promise<Server & { stopReading(): void }> {
  const clients = new Set<ServerResponse>();
  let message: DashboardMessage = { snapshot: null, stale: 'not read yet', pipeline: 'unknown' };
  const read = async () => {
    const pipeline = await pipelineHealth(options.pipelineUrl);
    try {
      message = { snapshot: await readSnapshot(options.redis, options.keys), pipeline };
    } catch (error) {
      if (!message.stale)
        options.log.warn({ err: error }, 'dashboard: Redis does not answer; showing the last figures as stale');
      message = { snapshot: message.snapshot, stale: `Redis does not answer: ${describeError(error)}`, pipeline };
    }
    const data = `data: ${JSON.stringify(message)}\n\n`;
    for (const client of clients) client.write(data);
  };
  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    void read().finally(() => (reading = false));
  }, options.intervalMs);
  const server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end('read-only\n');
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/') response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(DASHBOARD_PAGE);
    else if (path === '/snapshot.json')
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(message));
    else if (path === '/events') {
      response.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
      });
      response.write(`retry: 1000\ndata: ${JSON.stringify(message)}\n\n`);
      clients.add(response);
      request.on('close', () => clients.delete(response));
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return Object.assign(server, {
    stopReading: () => {
      clearInterval(timer);
      for (const client of clients) client.end();
    },
  });
}

async function pipelineHealth(url: string | undefined): Promise<string> {
  if (!url) return 'unknown';
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(800) });
    return response.status === 200 ? 'ready' : `not ready (${(await response.text()).trim().split('\n')[0]})`;
  } catch {
    return 'unreachable';
  }
}
