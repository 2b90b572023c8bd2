import type { EntryLoggedValue } from '../../processors/api/entry-logged';

/**
 * A store as the topology declares it. The runtime builds it (in memory, decorated) per task; its
 * changelog topic is `<application>-<name>-changelog`.
 */
export interface StoreSpec {
  readonly name: string;
  readonly type: 'key-value' | 'window';
  /** Write changes to a compacted changelog topic and restore from it (default true). */
  readonly changelog: boolean;
  /** Write-back cache, flushed at commit (default true). */
  readonly caching: boolean;
  /** Shared by every task and filled from the whole topic (global tables); no changelog. */
  readonly global: boolean;
  /**
   * Set when the aggregates are entry-logged (processors/api/entry-logged.ts): the changelog holds
   * one record per changed entry, and a restore rebuilds each aggregate from this empty one.
   */
  readonly entryLogged?: () => EntryLoggedValue;
}
