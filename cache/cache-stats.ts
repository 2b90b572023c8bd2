import { createLogger } from '../core/logging';

const log = createLogger('cache');

/** One cache's reads in one minute of one instance. */
export interface CacheMinute {
  cache: string;
  instance: string;
  minuteStartMs: number;
  requests: number;
  l1Hits: number;
  l2Hits: number;
  originLoads: number;
  refusedFills: number;
  staleServes: number;
}

/** Where finished minutes go (sinks/redis/cache-stats-writer.ts, sinks/clickhouse/cache-stats-writer.ts). */
export interface CacheMinuteWriter {
  readonly name: string;
  write(minutes: readonly CacheMinute[]): Promise<void>;
}

type Counted = 'requests' | 'l1Hits' | 'l2Hits' | 'originLoads' | 'refusedFills' | 'staleServes';

const MINUTE_MS = 60_000;
/** Finished minutes kept for a writer that is down, per writer: a day. */
const MAX_PENDING_MINUTES = 1_440;

/**
 * Cache-efficiency analytics: the reads of each wall-clock minute, counted as they happen and
 * written when the minute is over to every writer (Redis for dashboards, ClickHouse for BI). A writer
 * that fails keeps its minutes and is retried at the next tick; the others are not held up.
 */
export class CacheStats {
  private current: CacheMinute;
  private readonly pending = new Map<CacheMinuteWriter, CacheMinute[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cache: string,
    private readonly instance: string,
    private readonly writers: readonly CacheMinuteWriter[],
    private readonly now: () => number = Date.now,
  ) {
    this.current = this.minuteAt(now());
    for (const writer of writers) this.pending.set(writer, []);
  }

  count(what: Counted, by = 1): void {
    const at = this.now();
    if (at - this.current.minuteStartMs >= MINUTE_MS) this.roll(at);
    this.current[what] += by;
  }

  /** Checks for a finished minute every few seconds, so a quiet cache still writes its last minute. */
  start(tickMs = 5_000): void {
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
  }

  /** Writes what is finished (and, on close, the minute in progress). */
  async tick(final = false): Promise<void> {
    const at = this.now();
    if (final || at - this.current.minuteStartMs >= MINUTE_MS) this.roll(at);
    for (const [writer, minutes] of this.pending) {
      if (minutes.length === 0) continue;
      const sending = minutes.splice(0);
      try {
        await writer.write(sending);
      } catch (error) {
        minutes.unshift(...sending.slice(-MAX_PENDING_MINUTES));
        log.warn(
          { cache: this.cache, writer: writer.name, minutes: sending.length, err: error },
          'cache stats not written; retrying',
        );
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.tick(true);
  }

  private roll(at: number): void {
    const finished = this.current;
    this.current = this.minuteAt(at);
    if (finished.requests === 0 && finished.originLoads === 0) return;
    for (const minutes of this.pending.values()) {
      minutes.push(finished);
      if (minutes.length > MAX_PENDING_MINUTES) minutes.shift();
    }
  }

  private minuteAt(at: number): CacheMinute {
    return {
      cache: this.cache,
      instance: this.instance,
      minuteStartMs: at - (at % MINUTE_MS),
      requests: 0,
      l1Hits: 0,
      l2Hits: 0,
      originLoads: 0,
      refusedFills: 0,
      staleServes: 0,
    };
  }
}
