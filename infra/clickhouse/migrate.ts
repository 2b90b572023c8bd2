import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClickhouseConfig } from '../../runtime/config/schema';
import { assertIdentifier, connectClickhouse, type ClickhouseConnection } from '../../sinks/clickhouse/connection';

/** The DDL folder: numbered files, applied in name order; every statement is idempotent (IF NOT EXISTS). */
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

/** Applies every DDL statement; safe to run on every start. Returns the statements it ran. */
export async function migrate(connection: ClickhouseConnection, database: string): Promise<DdlStatement[]> {
  const statements = loadDdl(database);
  for (const statement of statements) await connection.command(statement.sql);
  return statements;
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
