import type { Duration } from '../../processors/duration';
import { toMillis } from '../../processors/duration';
import type { EmitPolicy } from '../../processors/window-emit';
import type { Named } from './dsl-context';

/** Options of every aggregation: the store's name and whether it is changelogged and cached. */
export interface StoreOptions extends Named {
  /** The state store's name; default `<node name>-store`. Names the changelog topic too. */
  store?: string;
  /** Default true: changes go to `<app>-<store>-changelog` and a task restores from it. */
  changelog?: boolean;
  /** Default true: a write-back cache flushed at commit, so the changelog gets one write per key. */
  caching?: boolean;
}

export interface EmitOptions {
  /**
   * Intermediate results: `0` on every record, a duration to rate-limit (at most one update per
   * window per interval of wall-clock time), or `false` for none. Default '1s'.
   */
  updates?: Duration | false;
  /** The final result when the window closes (stream time ≥ end + grace). Default true. */
  final?: boolean;
}

export interface WindowedAggregateOptions extends StoreOptions {
  emit?: EmitOptions;
}

export function emitPolicy(options: EmitOptions = {}): EmitPolicy {
  const updates = options.updates ?? '1s';
  return Object.freeze({
    updatesEveryMs: updates === false ? null : toMillis(updates, 'emit.updates'),
    final: options.final ?? true,
  });
}
