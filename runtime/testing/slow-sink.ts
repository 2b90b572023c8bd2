import type { StreamRecord } from '../../processors/api/record';
import type { Sink, SinkLoad } from '../topology/sink-descriptor';

/**
 * A sink that acknowledges slowly, for tests and benchmarks of flow control: it reports as its load
 * what it took and has not acknowledged yet, acknowledges `acknowledgedPerTick` records every 20 ms,
 * and keeps the source coordinates of every record written, in order.
 */
export class SlowSink implements Sink {
  readonly name = 'slow';
  readonly written: string[] = [];
  private unacknowledged = 0;
  private readonly timer: NodeJS.Timeout;
  maxLoad = 0;

  constructor(acknowledgedPerTick: number) {
    this.timer = setInterval(() => {
      this.unacknowledged = Math.max(0, this.unacknowledged - acknowledgedPerTick);
    }, 20);
  }

  write(batch: readonly StreamRecord[]): void {
    for (const record of batch) this.written.push(`${record.source?.topic}:${record.source?.offset}`);
    this.unacknowledged += batch.length;
    this.maxLoad = Math.max(this.maxLoad, this.unacknowledged);
  }

  async flush(): Promise<void> {
    while (this.unacknowledged > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  discard(): void {}

  load(): SinkLoad {
    return { records: this.unacknowledged, bytes: 0 };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
  }
}
