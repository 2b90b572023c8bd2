import type { Logger } from '../../core/logging';

/**
 * Makes a stuck stream thread loud. The loop names the step it is in (fetching, committing, …); a
 * step that lasts longer than the stall warning is logged at warn with what it waits on and for how
 * long, and again every such period while it lasts — so a client call that never returns is a log
 * line (and `/healthz` failing on the stale heartbeat), not a silent hang.
 */
export class LoopWatchdog {
  private step = 'starting';
  private since: number;
  private lastWarning = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly stallWarningMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  /** The loop enters `step` (what it waits on next). */
  enter(step: string): void {
    this.step = step;
    this.since = this.now();
    this.lastWarning = Number.NEGATIVE_INFINITY;
  }

  /** Warns when the current step has lasted a stall period (at most once per period). */
  check(): void {
    const now = this.now();
    const waitedMs = now - this.since;
    if (waitedMs < this.stallWarningMs || now - this.lastWarning < this.stallWarningMs) return;
    this.lastWarning = now;
    this.log.warn(
      { step: this.step, waitedMs },
      `stream thread stalled: ${this.step} for ${Math.round(waitedMs / 1_000)} s`,
    );
  }

  start(checkEveryMs = 1_000): void {
    this.timer ??= setInterval(() => this.check(), checkEveryMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
