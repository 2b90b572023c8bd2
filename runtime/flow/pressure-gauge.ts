import { commitEventAge } from '../metrics';
import type { PressureSignals } from './sampling-controller';

/**
 * What the stream thread tells the overload control about time: how far behind live its processing
 * is (wall clock minus the event time of the newest record processed, or of the oldest record still
 * waiting for its turn if that is older — with lanes, premium runs ahead and the lagging lower lanes
 * are what is behind; 0 once it has caught up) and
 * how old the newest event of each commit was when the commit ended (also
 * `reelstream_commit_event_age_seconds`). A commit that does not come (a sink down) makes the age
 * of what waits for it grow.
 */
export class PressureGauge {
  private newestProcessed = Number.NEGATIVE_INFINITY;
  private newestUncommitted = Number.NEGATIVE_INFINITY;
  private oldestWaiting = Number.POSITIVE_INFINITY;
  private caughtUp = true;
  private lastCommitAgeMs = 0;

  constructor(
    private readonly applicationId: string,
    /** Source topics whose event times trail live by design (`lagSignal: false`): not pressure. */
    readonly unwatched: ReadonlySet<string> = new Set(),
  ) {}

  /** Records taken through the tasks, with their event times. */
  processed(records: Iterable<{ topic: string; eventTime: number }>): void {
    let newest = this.newestUncommitted;
    for (const { topic, eventTime } of records)
      if (eventTime > newest && !this.unwatched.has(topic)) newest = eventTime; // NaN (no event time) never is
    if (newest === Number.NEGATIVE_INFINITY) return;
    this.newestUncommitted = newest;
    if (newest > this.newestProcessed) this.newestProcessed = newest;
    this.caughtUp = false;
  }

  /** The event time of the oldest record fetched and not yet processed (+∞: none), after each turn. */
  waiting(oldestEventTime: number): void {
    this.oldestWaiting = oldestEventTime;
  }

  /** A fetch found nothing while no partition waited for backpressure: processing is live. */
  idle(): void {
    this.caughtUp = true;
  }

  committed(now = Date.now()): void {
    if (this.newestUncommitted === Number.NEGATIVE_INFINITY) {
      if (this.caughtUp) this.lastCommitAgeMs = 0;
      return;
    }
    this.lastCommitAgeMs = Math.max(0, now - this.newestUncommitted);
    commitEventAge.observe({ application: this.applicationId }, this.lastCommitAgeMs / 1000);
    this.newestUncommitted = Number.NEGATIVE_INFINITY;
  }

  signals(sinkFill: number, now = Date.now()): PressureSignals {
    const behind = Math.min(this.newestProcessed, this.oldestWaiting);
    const lagMs = this.caughtUp ? 0 : Math.max(0, now - behind);
    const waitingMs =
      this.newestUncommitted === Number.NEGATIVE_INFINITY ? 0 : Math.max(0, now - this.newestUncommitted);
    return {
      lagSeconds: lagMs / 1000,
      eventToSinkSeconds: Math.max(this.lastCommitAgeMs, waitingMs) / 1000,
      sinkFill,
    };
  }
}
