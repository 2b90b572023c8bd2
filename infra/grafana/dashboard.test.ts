import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { metricsRegistry } from '../../runtime/metrics';
import '../../topologies/playback-metrics';
import { DASHBOARD_FILE, dashboardJson, PANELS } from './dashboard-panels';

/** Every reelstream metric name a PromQL text refers to, without histogram suffixes. */
function metricsIn(promql: string): string[] {
  return [...promql.matchAll(/reelstream_[a-z_]+/g)].map(([name]) => name.replace(/_(bucket|sum|count)$/, ''));
}

describe('Grafana dashboard and alert rules', () => {
  const known = new Set(metricsRegistry.getMetricsAsArray().map((metric) => metric.name));

  it('the committed dashboard JSON is the one dashboard-panels.ts generates (npm run grafana:dashboard)', () => {
    expect(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'))).toEqual(dashboardJson());
  });

  it('every metric a panel or an alert rule queries exists', () => {
    const queried = [
      ...PANELS.flatMap((panel) => panel.queries.flatMap((query) => metricsIn(query.expr))),
      ...metricsIn(readFileSync(join(__dirname, '..', 'prometheus', 'alerts.yml'), 'utf8')),
    ];
    expect(queried.length).toBeGreaterThan(20);
    expect([...new Set(queried)].filter((name) => !known.has(name))).toEqual([]);
  });

  it('covers throughput, lag, commit latency, backpressure, DLQ by kind, restore and the KPIs', () => {
    const titles = PANELS.map((panel) => panel.title).join(' | ');
    for (const topic of [
      'Throughput',
      'Lag',
      'Commit latency',
      'Backpressure',
      'DLQ by kind',
      'Restore',
      'Rebuffer rate',
      'Buffering ratio',
      'Startup time p95',
    ])
      expect(titles).toContain(topic);
  });
});
