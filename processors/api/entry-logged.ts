/**
 * An aggregate that the changelog stores entry by entry instead of as one value. A window holding
 * every session of a popular title is large, but a commit changes few of its parts: with this
 * interface the changelogging store logs, per commit, one delta holding only the entries changed
 * since the last commit (runtime/state/changelogging-store.ts), so a commit costs what changed, not
 * what the window holds.
 *
 * An initializer that returns such a value makes its store entry-logged (the runtime checks once,
 * when the topology is built, and uses the initializer again to rebuild aggregates on restore).
 */

/** The key of an entry within its aggregate: a tuple, compared by its parts (never parsed from a string). */
export type EntryKey = readonly (string | number)[];

/** One changed entry; `value` undefined when the entry was removed. */
export type EntryChange = readonly [key: EntryKey, value: unknown];

export interface EntryLoggedValue {
  /**
   * The entries changed since the last call, each once with its current value. The store calls
   * this at commit; without a changelog it is never called, so an implementation remembers changed
   * entries in a set (bounded by its own size), not as a growing list.
   */
  takeChangedEntries(): Iterable<EntryChange>;
  /** Puts back one entry read from the changelog (undefined: removed), without marking it changed. */
  restoreEntry(key: EntryKey, value: unknown): void;
}

export function isEntryLogged(value: unknown): value is EntryLoggedValue {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as EntryLoggedValue).takeChangedEntries === 'function' &&
    typeof (value as EntryLoggedValue).restoreEntry === 'function'
  );
}
