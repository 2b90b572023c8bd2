import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { startMetricsServer } from './metrics-server';

/** A registry with the gauges the probes read, as one application's would hold them. */
function probeRegistry() {
  const registry = new Registry();
  const gauge = (name: string, labelNames: string[]) =>
    new Gauge({ name, help: name, labelNames, registers: [registry] });
  return {
    registry,
    ready: gauge('reelstream_application_ready', ['application']),
    failing: gauge('reelstream_sink_failing_seconds', ['application', 'sink']),
    heartbeat: gauge('reelstream_thread_heartbeat_timestamp_seconds', ['application']),
  };
}

describe('metrics server probes', () => {
  it('/readyz: 503 with the reason until every application is restored and its sinks acknowledge; /healthz: 503 when a thread is silent', async () => {
    const { registry, ready, failing, heartbeat } = probeRegistry();
    const server = await startMetricsServer(0, '127.0.0.1', async () => registry);
    const { port } = server.address() as AddressInfo;
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return `${response.status} ${(await response.text()).trim()}`;
    };
    try {
      expect(await get('/readyz')).toBe('503 no application started yet');
      ready.set({ application: 'plays' }, 0);
      expect(await get('/readyz')).toBe('503 plays: restoring its tasks or not started');
      ready.set({ application: 'plays' }, 1);
      expect(await get('/readyz')).toBe('200 ok');
      expect(await get('/ready')).toBe('200 ok');
      failing.set({ application: 'plays', sink: 'clickhouse:rows' }, 12);
      expect(await get('/readyz')).toBe('503 plays: sink clickhouse:rows failing for 12 s');
      heartbeat.set({ application: 'plays' }, Date.now() / 1000 - 5);
      expect(await get('/healthz')).toBe('200 ok');
      heartbeat.set({ application: 'plays' }, Date.now() / 1000 - 120);
      expect(await get('/healthz')).toBe('503 plays: stream thread silent for 120 s');
      expect(await get('/nothing')).toBe('404 ');
    } finally {
      server.close();
    }
  });
});
