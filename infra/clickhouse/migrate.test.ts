import { addedColumn, loadDdl, splitStatements } from './migrate';

describe('splitStatements', () => {
  it('splits on a semicolon at the end of a line and drops comments', () => {
    const text =
      "-- header\nCREATE TABLE a (x String) ENGINE = Memory;\n\nCREATE TABLE b (s String DEFAULT 'a;b') ENGINE = Memory; -- tail\n";
    expect(splitStatements(text)).toEqual([
      'CREATE TABLE a (x String) ENGINE = Memory',
      "CREATE TABLE b (s String DEFAULT 'a;b') ENGINE = Memory",
    ]);
  });
});

describe('addedColumn', () => {
  it('names the column an ADD COLUMN adds, so the migration runs it only while the column is missing', () => {
    expect(addedColumn("ALTER TABLE analytics.playback_minute ADD COLUMN title String DEFAULT ''")).toEqual({
      database: 'analytics',
      table: 'playback_minute',
      column: 'title',
    });
    expect(addedColumn('ALTER TABLE analytics.playback_minute DROP COLUMN title')).toBeUndefined();
    expect(addedColumn('CREATE TABLE IF NOT EXISTS a.b (x String) ENGINE = Memory')).toBeUndefined();
  });
});

describe('the DDL folder', () => {
  const statements = loadDdl('analytics_test');

  it('substitutes the database and is idempotent statement by statement', () => {
    expect(statements.length).toBeGreaterThan(0);
    for (const { sql, file } of statements) {
      expect(sql).not.toContain('{database}');
      expect({ file, idempotent: /IF NOT EXISTS|OR REPLACE/i.test(sql) || addedColumn(sql) !== undefined }).toEqual({
        file,
        idempotent: true,
      });
    }
    expect(statements[0]?.sql).toBe('CREATE DATABASE IF NOT EXISTS analytics_test');
  });

  it('uses nothing ClickHouse 18.16 lacks', () => {
    // Types and clauses that arrived after 18.16; the local stack runs 18.16, docker-compose a current one.
    const newerThan1816 = /LowCardinality|DateTime64|\bTTL\b|\bCODEC\(|\{[a-z_]+:[A-Za-z]/;
    for (const { file, sql } of statements)
      expect({ file, usesNewer: newerThan1816.test(sql) }).toEqual({ file, usesNewer: false });
  });

  it('refuses a database name that is not a plain identifier', () => {
    expect(() => loadDdl('x; DROP TABLE y')).toThrow(/identifier/);
  });
});
