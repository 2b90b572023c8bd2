import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickhouseConfig } from '../../runtime/config/schema';
import { ReelstreamError, ServiceUnavailableError } from '../../core/errors';

/**
 * The narrow surface reelstream needs from ClickHouse (after clickhouse-js's Connection): run a
 * statement, insert JSON rows, read JSON rows. Tests and other transports implement the same three.
 *
 * Not used on purpose: server-side query parameters ({name:Type}). ClickHouse 18.16, the version the
 * local stack installs, rejects them ("Unknown setting param_x"); callers pass validated identifiers
 * and quote values with quoteString().
 */
export interface ClickhouseConnection {
  command(sql: string): Promise<void>;
  insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  queryRows<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Server error codes that mean "this data cannot be stored" (a value that does not parse or fit its
 * column), as opposed to "this statement is wrong" (unknown table, syntax): the same in 18.16 and
 * current ClickHouse. An insert refused with one of them can be split to find the rows at fault.
 */
const DATA_ERROR_CODES = new Set([6, 26, 27, 32, 38, 41, 53, 69, 70, 72, 117, 131]);

/** A query the server refused (syntax, unknown table, type mismatch): retrying will not help. */
export class ClickhouseQueryError extends ReelstreamError {
  /** The refusal is about the data (a row that does not fit), not the statement. */
  readonly dataError: boolean;

  constructor(message: string, cause: unknown) {
    super(`clickhouse: ${message}`, { retriable: false, cause });
    const code = /Code: (\d+)/.exec(message)?.[1];
    this.dataError = code !== undefined && DATA_ERROR_CODES.has(Number(code));
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/** Separates "the server is down or busy" (retriable) from "the server said no" (not). */
export function classifyClickhouseError(error: unknown): ReelstreamError {
  const failure = error as { code?: string; message?: string; type?: string };
  const message = failure.message ?? String(error);
  if ((failure.code && NETWORK_CODES.has(failure.code)) || /socket hang up|Timeout error|ECONNREFUSED/i.test(message)) {
    return new ServiceUnavailableError('clickhouse', message, { cause: error });
  }
  // Too many parts / memory / simultaneous queries are the server asking us to slow down.
  if (/TOO_MANY_PARTS|MEMORY_LIMIT|TOO_MANY_SIMULTANEOUS|Code: (252|241|202)\b/.test(message)) {
    return new ServiceUnavailableError('clickhouse', message, { cause: error });
  }
  return new ClickhouseQueryError(message, error);
}

/** Quotes a value as a ClickHouse string literal. */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `name` is a plain identifier (or db.table of two); such names need no quoting. */
export function assertIdentifier(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new ReelstreamError(`not a plain ClickHouse identifier: ${JSON.stringify(name)}`);
  }
  return name;
}

class HttpClickhouseConnection implements ClickhouseConnection {
  constructor(private readonly client: ClickHouseClient) {}

  async command(sql: string): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (error) {
      throw classifyClickhouseError(error);
    }
  }

  async insertRows(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.client.insert({
        table: assertIdentifier(table),
        values: rows as Record<string, unknown>[],
        format: 'JSONEachRow',
      });
    } catch (error) {
      throw classifyClickhouseError(error);
    }
  }

  async queryRows<T>(sql: string): Promise<T[]> {
    try {
      const result = await this.client.query({ query: sql, format: 'JSONEachRow' });
      return (await result.json()) as T[];
    } catch (error) {
      throw classifyClickhouseError(error);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function connectClickhouse(config: ClickhouseConfig, options: { database?: string } = {}): ClickhouseConnection {
  const client = createClient({
    url: config.url,
    username: config.username,
    password: config.password,
    database: options.database ?? 'default',
    request_timeout: 30_000,
    // The client's own logger prints whole stack traces on every refused query; errors reach
    // callers as typed ReelstreamErrors instead.
    log: { level: ClickHouseLogLevel.OFF },
  });
  return new HttpClickhouseConnection(client);
}
