import type { StreamRecord } from '../../processors/api/record';
import type { RefuseRecord, Sink, SinkLoad } from '../../runtime/topology/sink-descriptor';
import { closeByFlushing } from './close-by-flushing';

/**
 * A Redis sink that writes the latest value per Redis key: what arrives between two flushes is
 * collapsed per key (the last wins, and keeps the order of the changes), sent in one pipeline at the
 * commit, and kept for the retry when the pipeline fails. A value whose key cannot be built is
 * refused (to the DLQ).
 */
export abstract class LatestPerKeySink<V> implements Sink<string, V> {
  abstract readonly name: string;
  private pending = new Map<string, V>();
  private inFlight = 0;

  /** The Redis key the value is written to; throws for a value that cannot have one. */
  protected abstract keyOf(value: V): string;

  /** Sends one pipeline of the latest value per key; throws (retriable) when Redis did not take all of it. */
  protected abstract send(batch: ReadonlyMap<string, V>): Promise<void>;

  /** What the sink writes, for the close log. */
  protected abstract readonly what: string;

  write(batch: readonly StreamRecord<string, V>[], refuse: RefuseRecord<string, V>): void {
    for (const record of batch) {
      try {
        const key = this.keyOf(record.value);
        this.pending.delete(key); // re-inserted last: the pipeline keeps the order of the changes
        this.pending.set(key, record.value);
      } catch (error) {
        refuse(record, error as Error);
      }
    }
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const sending = this.pending;
    this.pending = new Map();
    this.inFlight = sending.size;
    try {
      await this.send(sending);
    } catch (error) {
      // A newer value that arrived meanwhile wins over the one being put back.
      for (const [key, value] of sending) if (!this.pending.has(key)) this.pending.set(key, value);
      throw error;
    } finally {
      this.inFlight = 0;
    }
  }

  discard(): void {
    this.pending = new Map();
  }

  load(): SinkLoad {
    return { records: this.pending.size + this.inFlight, bytes: 0 };
  }

  close(): Promise<void> {
    return closeByFlushing(
      () => this.pending.size,
      () => this.flush(),
      this.what,
    );
  }
}
