import type { SinkDescriptor } from '../topology/sink-descriptor';

/**
 * Sink descriptors for topologies. They are plain data; sinks/ provides the adapters that the
 * runtime resolves them to (and the test driver records instead of writing).
 */
export function sinkDescriptor(type: string, name: string, options?: Record<string, unknown>): SinkDescriptor {
  return Object.freeze({ type, name, ...(options ? { options: Object.freeze({ ...options }) } : {}) });
}

/**
 * Windowed aggregates to Redis (sinks/redis): records keyed by window (`Windowed<string>`) whose
 * value is the aggregate to show; `topN` also ranks each window's keys by `concurrentViewers`.
 */
export function redisWindows(view: string, resolution: '1m' | '10s', options: { topN?: boolean } = {}): SinkDescriptor {
  return sinkDescriptor('redis-windows', `${view}-${resolution}`, { view, resolution, topN: options.topN ?? false });
}

/**
 * Rows to a ClickHouse table (sinks/clickhouse): the record's value is the row. With `ledger`, the
 * sink adds the row's source identity (source_topic, source_partition, source_offset) and skips rows
 * its offset ledger already holds — for rows that are one per source record.
 */
export function clickhouseRows(table: string, options: { ledger?: boolean } = {}): SinkDescriptor {
  return sinkDescriptor('clickhouse-rows', table, { table, ledger: options.ledger ?? false });
}
