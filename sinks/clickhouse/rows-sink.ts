import type { StreamRecord } from '../../processors/api/record';
import { ReelstreamError, ServiceUnavailableError } from '../../core/errors';
import { createLogger } from '../../core/logging';
import { retry } from '../../core/retry';
import type { RefuseRecord, Sink, SinkLoad } from '../../runtime/topology/sink-descriptor';
import { ClickhouseQueryError, assertIdentifier, quoteString, type ClickhouseConnection } from './connection';

const log = createLogger('clickhouse-sink');

export interface ClickhouseRowsSinkOptions<K, V> {
  /** Names this sink in the offset ledger; stable across restarts. */
  name: string;
  /** `database.table` to insert into. */
  table: string;
  /** `database.sink_offset_ledger`; omit for rows that carry their own identity (rollups). */
  ledgerTable?: string;
  toRow(record: StreamRecord<K, V>): Record<string, unknown>;
  /** A batch is sent when it reaches this many rows, bytes (approximate) or age. */
  maxRows?: number;
  maxBytes?: number;
  maxDelayMs?: number;
  /** Insert attempts within one flush before the failure surfaces to it (the runtime retries flush again). */
  attempts?: number;
}

interface Batch<K, V> {
  rows: Record<string, unknown>[];
  /** The record each row came from, by index: a row the server refuses goes to the DLQ as its record. */
  records: StreamRecord<K, V>[];
  bytes: number;
  /** Highest source offset per `topic\0partition` in the batch, for the ledger. */
  offsets: Map<string, number>;
}

const emptyBatch = <K, V>(): Batch<K, V> => ({ rows: [], records: [], bytes: 0, offsets: new Map() });

/**
 * Rows into ClickHouse in large batches (by rows, bytes or age), one insert in flight at a time so
 * that per partition rows land in offset order. Nothing is lost: a failed insert is retried with
 * backoff, and if it still fails the batch stays first in the queue and flush() rejects (retriable) —
 * the commit waits, and the next flush sends the queue again from that batch. Nothing is duplicated: after each insert the batch's highest offsets go to the offset
 * ledger, and on start the sink skips rows at or below them; the one batch a crash can repeat (insert
 * done, ledger not yet written) carries the same dedup identity (source topic, partition, offset) in
 * the table's sorting key, which ReplacingMergeTree collapses (exact reads use FINAL).
 */
export class ClickhouseRowsSink<K = unknown, V = unknown> implements Sink<K, V> {
  readonly name: string;
  private current = emptyBatch<K, V>();
  private refuse: RefuseRecord<K, V> = () => undefined;
  private currentStartedAt = 0;
  private readonly queue: Batch<K, V>[] = [];
  private sending: Promise<void> | undefined;
  private failure: unknown;
  private ledger: Map<string, number> | undefined;
  private readonly maxRows: number;
  private readonly maxBytes: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly connection: ClickhouseConnection,
    private readonly options: ClickhouseRowsSinkOptions<K, V>,
  ) {
    assertIdentifier(options.table);
    if (options.ledgerTable) assertIdentifier(options.ledgerTable);
    this.name = `clickhouse:${options.name}`;
    this.maxRows = options.maxRows ?? 100_000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
    this.maxDelayMs = options.maxDelayMs ?? 1_000;
  }

  write(batch: readonly StreamRecord<K, V>[], refuse: RefuseRecord<K, V>): void {
    if (this.current.rows.length === 0) this.currentStartedAt = Date.now();
    this.refuse = refuse;
    for (const record of batch) {
      let row: Record<string, unknown>;
      try {
        row = this.options.toRow(record);
      } catch (error) {
        refuse(record, error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      this.current.rows.push(row);
      this.current.records.push(record);
      // An estimate: sizing batches needs no exact byte count, and serializing twice would cost.
      this.current.bytes += 64 + 16 * Object.keys(row).length;
      const source = record.source;
      if (source) {
        const key = `${source.topic}\u0000${source.partition}`;
        this.current.offsets.set(key, Math.max(this.current.offsets.get(key) ?? -1, Number(source.offset)));
      }
    }
    const full = this.current.rows.length >= this.maxRows || this.current.bytes >= this.maxBytes;
    if (full || Date.now() - this.currentStartedAt >= this.maxDelayMs) this.seal();
  }

  private seal(): void {
    if (this.current.rows.length === 0) return;
    this.queue.push(this.current);
    this.current = emptyBatch();
    // After a failure, only flush (which the runtime retries with backoff) sends again.
    if (this.failure === undefined) this.pump();
  }

  /** Sends queued batches one after another in the background; stops at the first failure. */
  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    this.failure = undefined;
    this.sending = (async () => {
      try {
        while (this.queue.length > 0) {
          await this.insert(this.queue[0] as Batch<K, V>);
          this.queue.shift();
        }
      } catch (error) {
        this.failure = error;
      } finally {
        this.sending = undefined;
      }
    })();
  }

  private async insert(batch: Batch<K, V>): Promise<void> {
    const ledger = await this.loadLedger();
    const indexes = batch.rows.flatMap((row, index) => {
      if (!this.options.ledgerTable) return [index];
      const done = ledger.get(`${String(row.source_topic)}\u0000${String(row.source_partition)}`);
      return done === undefined || Number(row.source_offset) > done ? [index] : [];
    });
    await retry(
      async () => {
        if (indexes.length > 0) await this.insertIsolating(batch, indexes);
        await this.recordOffsets(batch.offsets);
      },
      {
        maxAttempts: this.options.attempts ?? 5,
        initialDelayMs: 200,
        maxDelayMs: 5_000,
        onRetry: (error, attempt, delay) =>
          log.warn(
            { err: error, table: this.options.table, rows: indexes.length, attempt, delay },
            'insert failed; retrying',
          ),
      },
    );
  }

  /**
   * Inserts the rows; when the server refuses them for their data (a value that does not fit its
   * column), splits them in halves until the rows at fault are alone, refuses those (to the DLQ)
   * and stores the rest. A refusal of the statement itself (unknown table) is not split: it stops.
   * The halves that went in are deduplicated by their identity if the batch is sent again.
   */
  private async insertIsolating(batch: Batch<K, V>, indexes: readonly number[]): Promise<void> {
    try {
      await this.connection.insertRows(
        this.options.table,
        indexes.map((index) => batch.rows[index] as Record<string, unknown>),
      );
    } catch (error) {
      if (!(error instanceof ClickhouseQueryError) || !error.dataError) throw error;
      if (indexes.length === 1) {
        this.refuse(batch.records[indexes[0] as number] as StreamRecord<K, V>, error);
        return;
      }
      const middle = Math.ceil(indexes.length / 2);
      await this.insertIsolating(batch, indexes.slice(0, middle));
      await this.insertIsolating(batch, indexes.slice(middle));
    }
  }

  private async loadLedger(): Promise<Map<string, number>> {
    if (this.ledger) return this.ledger;
    const ledger = new Map<string, number>();
    if (this.options.ledgerTable) {
      const rows = await this.connection.queryRows<{ topic: string; partition: number; last_offset: string }>(
        `SELECT topic, partition, max(last_offset) AS last_offset FROM ${this.options.ledgerTable} ` +
          `WHERE sink = ${quoteString(this.options.name)} GROUP BY topic, partition`,
      );
      for (const row of rows) ledger.set(`${row.topic}\u0000${row.partition}`, Number(row.last_offset));
    }
    this.ledger = ledger;
    return ledger;
  }

  private async recordOffsets(offsets: Map<string, number>): Promise<void> {
    if (!this.options.ledgerTable || offsets.size === 0) return;
    const ledger = await this.loadLedger();
    const now = Math.floor(Date.now() / 1000);
    const rows = [...offsets].map(([key, offset]) => {
      const [topic, partition] = key.split('\u0000');
      return { sink: this.options.name, topic, partition: Number(partition), last_offset: offset, updated_at: now };
    });
    await this.connection.insertRows(this.options.ledgerTable, rows);
    for (const [key, offset] of offsets) ledger.set(key, Math.max(ledger.get(key) ?? -1, offset));
  }

  /** Resolves once every row written so far is in ClickHouse; rejects (retriable while the server is down) otherwise. */
  async flush(): Promise<void> {
    this.seal();
    // Sends again from the batch that failed last time: it is still first in the queue.
    this.pump();
    while (this.sending) await this.sending;
    if (this.queue.length === 0) return;
    const failure = this.failure;
    if (failure instanceof ReelstreamError) throw failure;
    throw new ServiceUnavailableError('clickhouse', `insert into ${this.options.table} failed: ${String(failure)}`, {
      cause: failure,
    });
  }

  /** Drops rows not yet sent; batches already handed to ClickHouse stay (their identity dedups a replay). */
  discard(): void {
    this.current = emptyBatch();
    if (!this.sending) {
      this.queue.length = 0;
      this.failure = undefined;
    } else this.queue.splice(1);
  }

  load(): SinkLoad {
    let records = this.current.rows.length;
    let bytes = this.current.bytes;
    for (const batch of this.queue) {
      records += batch.rows.length;
      bytes += batch.bytes;
    }
    return { records, bytes };
  }

  /** Sends what is still queued (its own retries, once); rejects naming what is left if ClickHouse does not take it. */
  async close(): Promise<void> {
    if (this.load().records === 0) {
      while (this.sending) await this.sending;
      return;
    }
    try {
      await this.flush();
    } catch (error) {
      const { records } = this.load();
      throw new ServiceUnavailableError(
        'clickhouse',
        `closed with ${records} rows for ${this.options.table} not acknowledged (their offsets are not committed: a restart writes them again)`,
        { cause: error, retriable: false },
      );
    }
  }
}
