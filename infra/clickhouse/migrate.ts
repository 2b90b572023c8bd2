import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClickhouseConfig } from '../../runtime/config/schema';
import {
  assertIdentifier,
  connectClickhouse,
  quoteString,
  type ClickhouseConnection,
} from '../../sinks/clickhouse/connection';

/**
 * The DDL folder: numbered files, applied in name order; every statement is idempotent: CREATE … IF
 * NOT EXISTS, or an `ALTER TABLE db.table ADD COLUMN name …` that runs only while the table lacks the
 * column (ClickHouse 18.16 has no ADD COLUMN IF NOT EXISTS).
 */
export const DDL_DIR = resolve(__dirname, 'ddl');

export interface DdlStatement {
  file: string;
  sql: string;
}

/** Splits a DDL file into statements: a statement ends with `;` at the end of a line; `--` comments drop. */
export function splitStatements(text: string): string[] {
  const withoutComments = text
    .split('\n')
    .map((line) => line.replace(/--.*$/, ''))
    .join('\n');
  return withoutComments
    .split(/;\s*(?:\n|$)/)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

export function loadDdl(database: string, dir = DDL_DIR): DdlStatement[] {
  assertIdentifier(database);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .flatMap((file) =>
      splitStatements(readFileSync(join(dir, file), 'utf8')).map((sql) => ({
        file,
        sql: sql.replace(/\{database\}/g, database),
      })),
    );
}

export interface AddedColumn {
  database: string;
  table: string;
  column: string;
}

/** The column an `ALTER TABLE db.table ADD COLUMN name …` statement adds; undefined for anything else. */
export function addedColumn(sql: string): AddedColumn | undefined {
  const match = /^ALTER\s+TABLE\s+(\w+)\.(\w+)\s+ADD\s+COLUMN\s+(\w+)\s/i.exec(sql);
  if (!match) return undefined;
  const [, database, table, column] = match as unknown as [string, string, string, string];
  return { database, table, column };
}

async function hasColumn(connection: ClickhouseConnection, { database, table, column }: AddedColumn): Promise<boolean> {
  const rows = await connection.queryRows(
    `SELECT name FROM system.columns WHERE database = ${quoteString(database)} AND table = ${quoteString(table)} AND name = ${quoteString(column)}`,
  );
  return rows.length > 0;
}

/** Applies every DDL statement; safe to run on every start. Returns the statements it ran. */
export async function migrate(connection: ClickhouseConnection, database: string): Promise<DdlStatement[]> {
  const ran: DdlStatement[] = [];
  for (const statement of loadDdl(database)) {
    const added = addedColumn(statement.sql);
    if (added && (await hasColumn(connection, added))) continue;
    await connection.command(statement.sql);
    ran.push(statement);
  }
  return ran;
}

/** Connects with the config, applies the DDL to its database, and closes: what every caller needs. */
export async function migrateDatabase(config: ClickhouseConfig): Promise<DdlStatement[]> {
  const connection = connectClickhouse(config);
  try {
    return await migrate(connection, config.database);
  } finally {
    await connection.close();
  }
}
