import { loadDdl } from '../../infra/clickhouse/migrate';
import { connectClickhouse } from '../../sinks/clickhouse/connection';
import { testConfig } from '../helpers/stack';
import { uniqueName } from '../helpers/unique';

const config = testConfig();
const connection = connectClickhouse(config.clickhouse);
const tables: string[] = [];

afterAll(async () => {
  for (const table of tables) await connection.command(`DROP TABLE IF EXISTS ${table}`);
  await connection.close();
});

describe('ClickHouse (real server)', () => {
  it('creates a table, inserts rows and selects them back', async () => {
    const table = `default.${uniqueName('it_rows')}`;
    tables.push(table);
    await connection.command(`CREATE TABLE ${table} (id UInt32, title String) ENGINE = MergeTree() ORDER BY id`);
    await connection.insertRows(table, [
      { id: 2, title: 'Second' },
      { id: 1, title: "It's first" },
    ]);
    const rows = await connection.queryRows<{ id: number; title: string }>(
      `SELECT id, title FROM ${table} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, title: "It's first" },
      { id: 2, title: 'Second' },
    ]);
  });

  it('has applied every DDL statement of infra/clickhouse (global setup ran the migrator)', async () => {
    const expectedTables = loadDdl(config.clickhouse.database)
      .map(({ sql }) => /CREATE TABLE IF NOT EXISTS \S+\.(\w+)/.exec(sql)?.[1])
      .filter((name): name is string => name !== undefined);
    const present = await connection.queryRows<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = '${config.clickhouse.database}'`,
    );
    expect(present.map((row) => row.name)).toEqual(expect.arrayContaining(expectedTables));
  });

  it('reports a refused query as a non-retriable error naming the problem', async () => {
    await expect(connection.queryRows('SELECT * FROM default.no_such_table_here')).rejects.toMatchObject({
      retriable: false,
      message: expect.stringMatching(/no_such_table_here/),
    });
  });
});
