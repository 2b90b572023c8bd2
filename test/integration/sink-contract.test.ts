import Redis from 'ioredis';
import type { StreamRecord } from '../../processors/api/record';
import type { ReelstreamConfig } from '../../runtime/config/schema';
import { clickhouseRows, redisWindows } from '../../runtime/dsl/sinks';
import type { Sink } from '../../runtime/topology/sink-descriptor';
import { createSinkResolver } from '../../cli/sink-resolver';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { TcpProxy } from '../helpers/tcp-proxy';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

/**
 * The sink contract (runtime/topology/sink-descriptor.ts), checked the same way for every sink kind
 * a topology can name, each built as `reelstream run` builds it (cli/sink-resolver.ts) and talking to
 * the real server through a proxy the test cuts for an outage:
 * - flush resolves only once everything written so far is acknowledged (the server holds it);
 * - while the server is down flush rejects as retriable, keeps what it holds, and a later flush with
 *   no new input writes it (retries need no new input);
 * - close() sends what is still queued, and rejects — never resolves silently — when it cannot;
 * - a record the sink cannot take is refused with a reason, and the others are written.
 * Kafka outputs go through the transactional producer, whose contract is transport-contract.test.ts.
 */
const config = testConfig();
const clickhouse = connectClickhouse(config.clickhouse);
const redis = new Redis(config.redis.url);
const database = config.clickhouse.database;

interface Harness {
  name: string;
  proxy: TcpProxy;
  sink(config: ReelstreamConfig): Sink;
  record(index: number): StreamRecord;
  /** A record this sink must refuse. */
  unwritable(index: number): StreamRecord;
  /** A record the sink takes but the server refuses (ClickHouse: a value that does not fit its column). */
  serverRefused?(index: number): StreamRecord;
  /** How many of the written records the server holds. */
  stored(): Promise<number>;
  prepare(): Promise<void>;
  cleanup(): Promise<void>;
}

function redisHarness(): Harness {
  const prefix = uniqueName('it_contract_redis');
  const url = new URL(config.redis.url);
  const proxy = new TcpProxy(url.hostname, Number(url.port || 6379));
  const start = 1_800_000_000_000 - (1_800_000_000_000 % 60_000);
  return {
    name: 'redis-windows',
    proxy,
    sink: (proxied) =>
      createSinkResolver({ ...proxied, redis: { ...proxied.redis, keyPrefix: prefix } }, 'contract').resolve(
        redisWindows('content', '1m', { topN: true }),
      ),
    record: (index) => ({
      key: { key: `c-${index}`, start, end: start + 60_000 },
      value: { concurrentViewers: index },
      timestamp: start,
    }),
    unwritable: (index) => ({
      key: { key: `bad:content ${index}`, start, end: start + 60_000 },
      value: { concurrentViewers: 1 },
      timestamp: start,
    }),
    stored: async () => (await redis.keys(`${prefix}:agg:*`)).length,
    prepare: async () => undefined,
    cleanup: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    },
  };
}

function clickhouseHarness(): Harness {
  const table = uniqueName('it_contract_rows');
  const url = new URL(config.clickhouse.url);
  const proxy = new TcpProxy(url.hostname, Number(url.port || 8123));
  const topic = uniqueName('it_contract_topic');
  return {
    name: 'clickhouse-rows',
    proxy,
    sink: (proxied) => createSinkResolver(proxied, 'contract').resolve(clickhouseRows(table, { ledger: true })),
    record: (index) => ({
      key: `k${index}`,
      value: { id: `r${index}`, n: index },
      timestamp: 0,
      source: { topic, partition: 0, offset: String(index) },
    }),
    unwritable: (index) => ({
      key: `k${index}`,
      value: 'not a row',
      timestamp: 0,
      source: { topic, partition: 0, offset: String(index) },
    }),
    serverRefused: (index) => ({
      key: `k${index}`,
      value: { id: `r${index}`, n: 'not a number' },
      timestamp: 0,
      source: { topic, partition: 0, offset: String(index) },
    }),
    stored: async () =>
      Number(
        (await clickhouse.queryRows<{ n: string }>(`SELECT count() AS n FROM ${database}.${table} FINAL`))[0]?.n ?? 0,
      ),
    prepare: () =>
      clickhouse.command(
        `CREATE TABLE ${database}.${table} (id String, n UInt64, source_topic String, source_partition UInt32, source_offset UInt64)
         ENGINE = ReplacingMergeTree() ORDER BY (source_topic, source_partition, source_offset)`,
      ),
    cleanup: async () => {
      await clickhouse.command(`DROP TABLE IF EXISTS ${database}.${table}`);
      await clickhouse
        .command(`ALTER TABLE ${database}.sink_offset_ledger DELETE WHERE topic = '${topic}'`)
        .catch(() => undefined);
    },
  };
}

afterAll(async () => {
  redis.disconnect();
  await clickhouse.close();
});

describe.each([
  ['redis-windows', redisHarness],
  ['clickhouse-rows', clickhouseHarness],
])('sink contract: %s on the real server', (_name, makeHarness) => {
  const harness = makeHarness();
  let proxied: ReelstreamConfig;
  const refusals: string[] = [];
  const refuse = (record: StreamRecord, error: Error) =>
    refusals.push(`${JSON.stringify(record.key)}: ${error.message}`);
  const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => harness.record(from + i));

  beforeAll(async () => {
    const port = await harness.proxy.start();
    proxied = {
      ...config,
      redis: { ...config.redis, url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 1_000 },
      clickhouse: { ...config.clickhouse, url: `http://127.0.0.1:${port}` },
    };
    await harness.prepare();
  });

  afterAll(async () => {
    await harness.proxy.stop();
    await harness.cleanup();
  });

  it('flush resolves once the server holds everything written; an outage is waited for and needs no new input', async () => {
    const sink = harness.sink(proxied);
    sink.write(range(0, 300), refuse);
    await sink.flush();
    expect(await harness.stored()).toBe(300);

    harness.proxy.cut();
    sink.write(range(300, 200), refuse);
    await expect(sink.flush()).rejects.toMatchObject({ retriable: true });
    await expect(sink.flush()).rejects.toMatchObject({ retriable: true });
    expect(harness.proxy.refusedWhileCut).toBeGreaterThan(0); // the sink really met a server that was down
    expect(sink.load().records).toBeGreaterThanOrEqual(200);
    expect(await harness.stored()).toBe(300);

    harness.proxy.restore();
    await eventually(() => sink.flush()); // no write in between: the retry sends what it holds
    expect(await harness.stored()).toBe(500);
    expect(sink.load().records).toBe(0);
    await sink.close();
  }, 120_000);

  it('close() sends what is still queued, and rejects naming what is left when the server is down', async () => {
    const sink = harness.sink(proxied);
    sink.write(range(500, 10), refuse);
    await sink.close();
    expect(await harness.stored()).toBe(510);

    const stranded = harness.sink(proxied);
    stranded.write(range(510, 5), refuse);
    harness.proxy.cut();
    await expect(stranded.close()).rejects.toThrow(/not acknowledged/);
    harness.proxy.restore();
  }, 120_000);

  it('refuses a record it cannot take, with the reason, and writes the others', async () => {
    const sink = harness.sink(proxied);
    refusals.length = 0;
    const refusedByServer = harness.serverRefused ? [harness.serverRefused(603)] : [];
    sink.write([harness.record(600), harness.unwritable(601), harness.record(602), ...refusedByServer], refuse);
    await eventually(() => sink.flush());
    expect(refusals).toHaveLength(1 + refusedByServer.length);
    expect(refusals[0]).toMatch(/must be/);
    if (refusedByServer.length > 0) expect(refusals[1]).toMatch(/Cannot parse input/);
    expect(await harness.stored()).toBe(512);
    await sink.close();
  }, 120_000);
});

/** Retries an operation the way the runtime does while a client reconnects after an outage. */
async function eventually(operation: () => Promise<void>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await operation();
    } catch (error) {
      if (Date.now() > deadline || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
