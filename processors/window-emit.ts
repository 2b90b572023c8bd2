/**
 * How a windowed aggregation emits (see docs/runtime.md): rate-limited updates for dashboards and/or one final
 * result per window when it closes, for rollups.
 * - `updatesEveryMs`: 0 emits on every record; n > 0 emits the latest value of each changed window at
 *   most every n ms of wall-clock time; null emits no updates.
 * - `final`: emit the final aggregate when the window closes (stream time ≥ end + grace).
 */
export interface EmitPolicy {
  readonly updatesEveryMs: number | null;
  readonly final: boolean;
}
