import type { StreamRecord } from '../../processors/api/record';
import { ClickhouseRowsSink } from '../../sinks/clickhouse/rows-sink';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { testConfig } from '../helpers/stack';
import { refuseNothing } from '../helpers/sinks';
import { uniqueName } from '../helpers/unique';

/**
 * The ClickHouse rows sink on the real server: batches by size, no row twice after a replay (the
 * offset ledger skips what was stored; ReplacingMergeTree collapses the one batch a crash can
 * repeat), and nothing lost while the server is unreachable.
 */
const config = testConfig();
const connection = connectClickhouse(config.clickhouse);
const database = config.clickhouse.database;
const table = `${database}.${uniqueName('it_sink_rows')}`;
const ledgerTable = `${database}.sink_offset_ledger`;
const sinkName = uniqueName('it_sink');

beforeAll(async () => {
  await connection.command(
    `CREATE TABLE ${table} (content_id String, watch_ms UInt64, source_topic String, source_partition UInt32, source_offset UInt64, written_at DateTime)
     ENGINE = ReplacingMergeTree(written_at) ORDER BY (content_id, source_topic, source_partition, source_offset)`,
  );
});

afterAll(async () => {
  await connection.command(`DROP TABLE IF EXISTS ${table}`);
  await connection.command(`ALTER TABLE ${ledgerTable} DELETE WHERE sink = '${sinkName}'`).catch(() => undefined);
  await connection.close();
});

type Play = { contentId: string; watchMs: number };
const records = (partition: number, from: number, count: number): StreamRecord<string, Play>[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `s${from + i}`,
    value: { contentId: `c-${(from + i) % 7}`, watchMs: from + i },
    timestamp: 0,
    source: { topic: 'plays', partition, offset: String(from + i) },
  }));

const sinkFor = (conn = connection, maxRows = 1_000) =>
  new ClickhouseRowsSink<string, Play>(conn, {
    name: sinkName,
    table,
    ledgerTable,
    maxRows,
    attempts: 2,
    toRow: (record) => ({
      content_id: record.value.contentId,
      watch_ms: record.value.watchMs,
      source_topic: record.source?.topic,
      source_partition: record.source?.partition,
      source_offset: Number(record.source?.offset),
      written_at: Math.floor(Date.now() / 1000),
    }),
  });

const count = async (final: boolean) =>
  Number(
    (await connection.queryRows<{ n: string }>(`SELECT count() AS n FROM ${table}${final ? ' FINAL' : ''}`))[0]?.n,
  );

it('inserts in batches, and a replay after a restart adds no row', async () => {
  const sink = sinkFor();
  sink.write([...records(0, 0, 2_500), ...records(1, 0, 1_500)], refuseNothing);
  expect(sink.load().records).toBeLessThanOrEqual(4_000); // full batches are already on their way
  await sink.flush();
  expect(sink.load()).toEqual({ records: 0, bytes: 0 });
  expect(await count(false)).toBe(4_000);

  // A restarted instance replays partition 0 from offset 2,000 (its commit had not landed) and goes on.
  const restarted = sinkFor();
  restarted.write([...records(0, 2_000, 1_000), ...records(1, 1_500, 500)], refuseNothing);
  await restarted.flush();
  expect(await count(false)).toBe(4_000 + 500 + 500); // only the new rows of both partitions
  expect(await count(true)).toBe(5_000);
});

it('keeps rows while ClickHouse is unreachable and rejects flush as retriable, losing nothing', async () => {
  const down = connectClickhouse({ ...config.clickhouse, url: 'http://127.0.0.1:1' });
  const sink = sinkFor(down);
  sink.write(records(2, 0, 10), refuseNothing);
  await expect(sink.flush()).rejects.toMatchObject({ retriable: true });
  expect(sink.load().records).toBe(10);
  await down.close();
}, 30_000);
