import { join } from 'node:path';

/**
 * The panels of the Grafana dashboard (infra/grafana/reelstream.json): one entry each, so a new
 * panel is one line. `reelstream_*` metrics are the runtime's (runtime/metrics.ts) and the playback
 * pipeline's (topologies/playback-metrics.ts). infra/grafana/dashboard.test.ts checks the JSON is
 * generated from this list and that every metric it queries exists.
 */
/** Where the generated dashboard lives; docker compose provisions Grafana with it. */
export const DASHBOARD_FILE = join(__dirname, 'dashboards', 'reelstream.json');

export interface PanelSpec {
  title: string;
  /** PromQL, one per series. */
  queries: { expr: string; legend: string }[];
  unit: 'short' | 's' | 'percentunit' | 'reqps' | 'bytes';
  row: 'Pipeline' | 'Playback KPIs' | 'Overload';
}

export const PANELS: readonly PanelSpec[] = [
  {
    row: 'Pipeline',
    title: 'Throughput',
    unit: 'reqps',
    queries: [
      { expr: 'sum by (application) (rate(reelstream_records_processed_total[1m]))', legend: '{{application}}' },
    ],
  },
  {
    row: 'Pipeline',
    title: 'Lag behind live',
    unit: 's',
    queries: [{ expr: 'max by (application) (reelstream_event_time_lag_seconds)', legend: '{{application}}' }],
  },
  {
    row: 'Pipeline',
    title: 'Consumer lag (records)',
    unit: 'short',
    queries: [{ expr: 'sum by (application) (reelstream_consumer_lag)', legend: '{{application}}' }],
  },
  {
    row: 'Pipeline',
    title: 'Commit latency p99',
    unit: 's',
    queries: [
      {
        expr: 'histogram_quantile(0.99, sum by (le, application) (rate(reelstream_commit_duration_seconds_bucket[5m])))',
        legend: '{{application}}',
      },
    ],
  },
  {
    row: 'Pipeline',
    title: 'Event → sinks p99',
    unit: 's',
    queries: [
      {
        expr: 'histogram_quantile(0.99, sum by (le, application) (rate(reelstream_commit_event_age_seconds_bucket[5m])))',
        legend: '{{application}}',
      },
    ],
  },
  {
    row: 'Pipeline',
    title: 'Backpressure: paused partitions',
    unit: 'short',
    queries: [{ expr: 'sum by (application) (reelstream_paused_partitions)', legend: '{{application}}' }],
  },
  {
    row: 'Pipeline',
    title: 'Backpressure response p99',
    unit: 's',
    queries: [
      {
        expr: 'histogram_quantile(0.99, sum by (le, application) (rate(reelstream_backpressure_response_seconds_bucket[5m])))',
        legend: '{{application}}',
      },
    ],
  },
  {
    row: 'Pipeline',
    title: 'DLQ by kind',
    unit: 'reqps',
    queries: [
      {
        expr: 'sum by (application, kind) (rate(reelstream_dead_letters_total[5m]))',
        legend: '{{application}} {{kind}}',
      },
    ],
  },
  {
    row: 'Pipeline',
    title: 'Sinks failing',
    unit: 's',
    queries: [{ expr: 'max by (application, sink) (reelstream_sink_failing_seconds)', legend: '{{sink}}' }],
  },
  {
    row: 'Pipeline',
    title: 'Restore: changelog records applied',
    unit: 'reqps',
    queries: [
      { expr: 'sum by (application) (rate(reelstream_restored_records_total[1m]))', legend: '{{application}}' },
    ],
  },
  {
    row: 'Pipeline',
    title: 'Ready',
    unit: 'short',
    queries: [{ expr: 'min by (application) (reelstream_application_ready)', legend: '{{application}}' }],
  },
  {
    row: 'Playback KPIs',
    title: 'Rebuffer rate (target ≤ 5 %)',
    unit: 'percentunit',
    queries: [
      {
        expr: 'sum by (region) (increase(reelstream_playback_minute_rebuffered_sessions_total[10m])) / sum by (region) (increase(reelstream_playback_minute_sessions_total[10m]))',
        legend: '{{region}}',
      },
    ],
  },
  {
    row: 'Playback KPIs',
    title: 'Buffering ratio (target ≤ 0.5 %)',
    unit: 'percentunit',
    queries: [
      {
        expr: 'sum by (region) (increase(reelstream_playback_minute_buffering_seconds_total[10m])) / sum by (region) (increase(reelstream_playback_minute_watch_seconds_total[10m]))',
        legend: '{{region}}',
      },
    ],
  },
  {
    row: 'Playback KPIs',
    title: 'Startup time p95 (target ≤ 2 s)',
    unit: 's',
    queries: [
      {
        expr: 'histogram_quantile(0.95, sum by (le, region) (rate(reelstream_playback_startup_seconds_bucket[10m])))',
        legend: '{{region}}',
      },
    ],
  },
  {
    row: 'Playback KPIs',
    title: 'Playback events by region',
    unit: 'reqps',
    queries: [{ expr: 'sum by (region) (rate(reelstream_playback_events_total[1m]))', legend: '{{region}}' }],
  },
  {
    row: 'Overload',
    title: 'Degradation state (0 normal, 1 sampling, 2 shedding, 3 lagging)',
    unit: 'short',
    queries: [{ expr: 'max by (application) (reelstream_degradation_state)', legend: '{{application}}' }],
  },
  {
    row: 'Overload',
    title: 'Pressure',
    unit: 'short',
    queries: [{ expr: 'max by (application) (reelstream_overload_pressure)', legend: '{{application}}' }],
  },
  {
    row: 'Overload',
    title: 'Sample and keep rates',
    unit: 'percentunit',
    queries: [{ expr: 'min by (lane, rate) (reelstream_sample_rate)', legend: '{{lane}} {{rate}}' }],
  },
  {
    row: 'Overload',
    title: 'Sampled out and shed',
    unit: 'reqps',
    queries: [
      {
        expr: 'sum by (tier, outcome) (rate(reelstream_playback_sample_ledger_records_total{outcome!="kept"}[1m]))',
        legend: '{{tier}} {{outcome}}',
      },
    ],
  },
];

/** The dashboard JSON (Grafana's schema), panels laid out two per row under a row header each. */
export function dashboardJson(): object {
  const panels: object[] = [];
  let y = 0;
  let id = 1;
  for (const row of ['Pipeline', 'Playback KPIs', 'Overload'] as const) {
    panels.push({ id: id++, type: 'row', title: row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y: y++ } });
    PANELS.filter((panel) => panel.row === row).forEach((panel, index) => {
      panels.push({
        id: id++,
        type: 'timeseries',
        title: panel.title,
        datasource: { type: 'prometheus', uid: 'prometheus' },
        fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
        gridPos: { h: 8, w: 12, x: (index % 2) * 12, y: y + Math.floor(index / 2) * 8 },
        targets: panel.queries.map((query, ref) => ({
          refId: String.fromCharCode(65 + ref),
          expr: query.expr,
          legendFormat: query.legend,
        })),
      });
    });
    y += Math.ceil(PANELS.filter((panel) => panel.row === row).length / 2) * 8;
  }
  return {
    uid: 'reelstream',
    title: 'reelstream',
    tags: ['reelstream'],
    timezone: 'utc',
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    panels,
  };
}
