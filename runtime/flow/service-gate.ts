import type { Logger } from '../../core/logging';
import { backgroundYieldSeconds } from '../metrics';

export interface ServiceGateOptions {
  /** The share of the event loop a background application keeps while it yields. */
  backgroundShare: number;
  /** The longest a background application waits between two of its turns. */
  maxWaitMs: number;
  /** A realtime application counts as working this long after it last processed records. */
  workingForMs: number;
}

export const DEFAULT_SERVICE_GATE: ServiceGateOptions = { backgroundShare: 0.1, maxWaitMs: 1_000, workingForMs: 500 };

interface RealtimeState {
  behind: boolean;
  workedAt: number;
}

/**
 * Tiered service between the applications of one process, which share one event loop: while a
 * realtime application is behind its overload limits (its degradation state is not `normal`) and
 * busy processing, every background application yields — after each of its turns it waits
 * (1 − share) / share times as long as the turn took, so it keeps about `backgroundShare` of the
 * loop and the realtime application gets the rest. A realtime application that is behind only
 * because its sink is down processes nothing and is not yielded to: the background application
 * goes on (a down Redis must not stop rows reaching ClickHouse). The background application lags
 * meanwhile — Kafka holds what it has not read — and catches up once the realtime one is back to normal.
 */
export class ServiceGate {
  private readonly realtime = new Map<string, RealtimeState>();
  private readonly yielding = new Map<string, string>();

  constructor(
    private readonly log: Logger,
    private readonly options: ServiceGateOptions = DEFAULT_SERVICE_GATE,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** A realtime application's state after its overload tick. */
  reportRealtime(applicationId: string, behind: boolean): void {
    const state = this.realtime.get(applicationId) ?? { behind: false, workedAt: Number.NEGATIVE_INFINITY };
    state.behind = behind;
    this.realtime.set(applicationId, state);
  }

  /** A realtime application's thread processed records just now. */
  realtimeWorked(applicationId: string): void {
    const state = this.realtime.get(applicationId) ?? { behind: false, workedAt: Number.NEGATIVE_INFINITY };
    state.workedAt = this.now();
    this.realtime.set(applicationId, state);
  }

  /** The realtime application a background one yields to now, if any. */
  yieldsTo(): string | undefined {
    const now = this.now();
    for (const [applicationId, { behind, workedAt }] of this.realtime)
      if (behind && now - workedAt <= this.options.workingForMs) return applicationId;
    return undefined;
  }

  /**
   * Before a background application's next turn (fetch and process a batch): waits while it must
   * yield, in proportion to how long its last turn took. Returns the milliseconds waited.
   */
  async backgroundTurn(applicationId: string, lastTurnMs: number): Promise<number> {
    const to = this.yieldsTo();
    const was = this.yielding.get(applicationId);
    if (to !== was) {
      if (to === undefined) {
        this.yielding.delete(applicationId);
        this.log.info({ application: applicationId, yieldedTo: was }, `${applicationId} no longer yields to ${was}`);
      } else {
        this.yielding.set(applicationId, to);
        this.log.warn(
          { application: applicationId, yieldsTo: to, share: this.options.backgroundShare },
          `${applicationId} yields to ${to}, which is behind: it keeps ${Math.round(this.options.backgroundShare * 100)} % of the process until ${to} is back to normal`,
        );
      }
    }
    if (to === undefined) return 0;
    const { backgroundShare, maxWaitMs } = this.options;
    const waitMs = Math.min(maxWaitMs, Math.max(1, (lastTurnMs * (1 - backgroundShare)) / backgroundShare));
    await this.sleep(waitMs);
    backgroundYieldSeconds.inc({ application: applicationId }, waitMs / 1000);
    return waitMs;
  }
}
