import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StackError } from '../../core/errors';
import { managedPid } from './processes';
import type { LocalService } from './service';
import { downService, statusOf, upService } from './stack';

/**
 * The orchestration shared by every service, against a test double of one service whose "server"
 * is a real child process (`node -e` holding a TCP port). No Kafka, Redis or ClickHouse needed.
 */
function fakeService(port: number, options: { failToStart?: boolean } = {}): LocalService & { installs: number } {
  const dir = mkdtempSync(join(tmpdir(), 'reelstream-stack-'));
  const service = {
    name: 'fake',
    host: '127.0.0.1',
    port,
    address: `127.0.0.1:${port}`,
    startTimeoutMs: 10_000,
    pidFile: join(dir, 'fake.pid'),
    logFile: join(dir, 'fake.log'),
    installs: 0,
    async probe() {
      const { isPortOpen } = await import('./probes');
      if (!(await isPortOpen('127.0.0.1', port, 300))) throw new Error('not listening');
      return 'fake 1.0';
    },
    async install() {
      service.installs += 1;
    },
    launchCommand() {
      const script = options.failToStart
        ? 'console.error("boom: cannot start"); process.exit(3)'
        : `require('net').createServer().listen(${port}, '127.0.0.1')`;
      return { command: process.execPath, args: ['-e', script] };
    },
  };
  return service;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('local stack orchestration', () => {
  it('starts a service that is down, reports it running on a second up, and stops it on down', async () => {
    const service = fakeService(await freePort());
    const first = await upService(service);
    expect(first).toMatchObject({ state: 'started', managed: true, healthy: true, version: 'fake 1.0' });
    expect(managedPid(service.pidFile)).toBeDefined();

    const second = await upService(service);
    expect(second).toMatchObject({ state: 'running', managed: true, healthy: true });
    expect(service.installs).toBe(1); // a second up neither installs nor starts anything

    const down = await downService(service);
    expect(down).toMatchObject({ state: 'stopped', healthy: false });
    expect(managedPid(service.pidFile)).toBeUndefined();
    expect((await statusOf(service)).state).toBe('not running');
  });

  it('reuses a server it did not start, and never stops it', async () => {
    const port = await freePort();
    const external: Server = createServer();
    await new Promise<void>((resolve) => external.listen(port, '127.0.0.1', resolve));
    try {
      const service = fakeService(port);
      expect(await upService(service)).toMatchObject({ state: 'reused', managed: false, healthy: true });
      expect(service.installs).toBe(0);
      const down = await downService(service);
      expect(down).toMatchObject({ healthy: true, detail: 'left running: not started by reelstream' });
    } finally {
      await new Promise((resolve) => external.close(resolve));
    }
  });

  it('fails with the service log when the server dies on start', async () => {
    const service = fakeService(await freePort(), { failToStart: true });
    await expect(upService(service)).rejects.toThrow(StackError);
    await expect(upService(service)).rejects.toThrow(/exited[\s\S]*boom: cannot start/);
  });
});
