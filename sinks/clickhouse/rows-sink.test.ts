import type { StreamRecord } from '../../processors/api/record';
import { ClickhouseQueryError, type ClickhouseConnection } from './connection';
import { ServiceUnavailableError } from '../../core/errors';
import { ClickhouseRowsSink } from './rows-sink';

/** A ClickHouse stand-in for this one module: stores inserted rows, and can be "down". */
class FakeClickhouse implements ClickhouseConnection {
  down = false;
  readonly rows: Record<string, unknown>[] = [];
  inserts = 0;
  async command(): Promise<void> {}
  async insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    this.inserts += 1;
    if (this.down) throw new ServiceUnavailableError('clickhouse', 'connect ECONNREFUSED');
    if (table === 'db.rows') this.rows.push(...rows);
  }
  async queryRows<T>(): Promise<T[]> {
    if (this.down) throw new ServiceUnavailableError('clickhouse', 'connect ECONNREFUSED');
    return [];
  }
  async close(): Promise<void> {}
}

const record = (offset: number, value: unknown = offset): StreamRecord<string, unknown> => ({
  key: `k${offset}`,
  value,
  timestamp: 0,
  source: { topic: 't', partition: 0, offset: String(offset) },
});

const sinkOn = (connection: FakeClickhouse) =>
  new ClickhouseRowsSink<string, unknown>(connection, {
    name: 'unit',
    table: 'db.rows',
    attempts: 1,
    maxDelayMs: 60_000,
    toRow: (r) => {
      if (typeof r.value !== 'number') throw new TypeError(`value is not a number: ${JSON.stringify(r.value)}`);
      return { n: r.value };
    },
  });

const none = (_record: unknown, error: Error) => {
  throw error;
};

describe('ClickhouseRowsSink', () => {
  it('a flush after a failed one sends the rows again, without any new write (they were lost before)', async () => {
    const clickhouse = new FakeClickhouse();
    const sink = sinkOn(clickhouse);
    sink.write([record(1), record(2)], none);
    clickhouse.down = true;
    await expect(sink.flush()).rejects.toMatchObject({ retriable: true });
    await expect(sink.flush()).rejects.toMatchObject({ retriable: true }); // still down: still rejects
    expect(sink.load().records).toBe(2);
    clickhouse.down = false;
    await sink.flush();
    expect(clickhouse.rows).toEqual([{ n: 1 }, { n: 2 }]);
    expect(sink.load().records).toBe(0);
  });

  it('close() sends what is queued, and rejects naming what is left when it cannot', async () => {
    const clickhouse = new FakeClickhouse();
    const sink = sinkOn(clickhouse);
    sink.write([record(1)], none);
    clickhouse.down = true;
    await expect(sink.close()).rejects.toThrow(/1 rows .* not acknowledged/);
    clickhouse.down = false;
    await sink.close();
    expect(clickhouse.rows).toEqual([{ n: 1 }]);
  });

  it('refuses a record it cannot turn into a row and keeps the others', async () => {
    const clickhouse = new FakeClickhouse();
    const sink = sinkOn(clickhouse);
    const refused: [StreamRecord, Error][] = [];
    sink.write([record(1), record(2, 'not a number'), record(3)], (r, error) => refused.push([r, error]));
    await sink.flush();
    expect(clickhouse.rows).toEqual([{ n: 1 }, { n: 3 }]);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.[0].source?.offset).toBe('2');
    expect(refused[0]?.[1].message).toMatch(/not a number/);
  });

  it('finds the rows the server refuses for their data, refuses those and stores the rest', async () => {
    const clickhouse = new FakeClickhouse();
    const insert = clickhouse.insertRows.bind(clickhouse);
    clickhouse.insertRows = async (table, rows) => {
      if (rows.some((row) => row.n === 13 || row.n === 42))
        throw new ClickhouseQueryError('Code: 27, e.displayText() = DB::Exception: Cannot parse input', undefined);
      return insert(table, rows);
    };
    const sink = sinkOn(clickhouse);
    const refused: string[] = [];
    sink.write(
      Array.from({ length: 50 }, (_, i) => record(i)),
      (r, error) => refused.push(`${r.source?.offset}: ${error.message}`),
    );
    await sink.flush();
    expect(refused.map((line) => line.split(':')[0])).toEqual(['13', '42']);
    expect(refused[0]).toMatch(/Cannot parse input/);
    expect(clickhouse.rows.map((row) => row.n).sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 50 }, (_, i) => i).filter((n) => n !== 13 && n !== 42),
    );
  });

  it('surfaces a refusal of the server as not retriable', async () => {
    const clickhouse = new FakeClickhouse();
    clickhouse.insertRows = async () => {
      throw new ClickhouseQueryError('Code: 60, Table db.rows does not exist', undefined);
    };
    const sink = sinkOn(clickhouse);
    sink.write([record(1)], none);
    await expect(sink.flush()).rejects.toMatchObject({ retriable: false });
  });
});
