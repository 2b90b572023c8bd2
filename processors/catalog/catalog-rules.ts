import type { ContentMetadata } from '../../schemas/types.generated';

/**
 * The catalog's version rules, as one total order over the updates of a content id: the state a
 * materialization holds is the greatest update it has seen, whatever order, duplication or
 * tombstone placement they arrived in (docs/catalog-sync.md):
 *   1. a higher `version` wins;
 *   2. at an equal version, a delete wins over an update (a delete is deliberate);
 *   3. two different updates of one version are a conflict: the later `updatedAtMs` wins, then the
 *      greater canonical encoding — a stable tie-break every instance computes alike.
 * Identical updates are duplicates. Nothing here does I/O: catalog-sync's processor and every test's
 * reference fold call the same functions.
 */
export interface CatalogUpdate {
  contentId: string;
  version: number;
  /** A tombstone: the content is deleted as of `version`. */
  deleted: boolean;
  metadata: ContentMetadata | null;
  updatedAtMs: number;
}

/** What one content id holds: its greatest update, with its canonical encoding (deletes included). */
export interface CatalogState extends CatalogUpdate {
  fingerprint: string;
}

export type CatalogOutcome =
  /** Newer than what was held: applied. */
  | 'applied'
  /** A delete newer than what was held: applied (the state keeps the version, so older updates stay out). */
  | 'deleted'
  /** Older than what is held: rejected. */
  | 'stale'
  /** The same update again (a retry, a replay): nothing changes. */
  | 'duplicate'
  /** A different update of the held version that wins the conflict rule: applied. */
  | 'conflict-won'
  /** A different update of the held version that loses it: rejected. */
  | 'conflict-lost';

/** JSON with object keys sorted, so equal content gives equal text whatever the field order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

export function catalogState(update: CatalogUpdate): CatalogState {
  return { ...update, fingerprint: update.deleted ? `deleted@${update.version}` : canonicalJson(update.metadata) };
}

/** Negative when `a` loses to `b`, positive when it wins, 0 when they are the same update. */
export function compareCatalogStates(a: CatalogState, b: CatalogState): number {
  if (a.version !== b.version) return a.version - b.version;
  if (a.deleted !== b.deleted) return a.deleted ? 1 : -1;
  if (a.fingerprint === b.fingerprint) return 0;
  if (a.updatedAtMs !== b.updatedAtMs) return a.updatedAtMs - b.updatedAtMs;
  return a.fingerprint < b.fingerprint ? -1 : 1;
}

/** The outcome of an update against what is held, and what is held afterwards. */
export function resolveCatalogUpdate(
  current: CatalogState | undefined,
  update: CatalogUpdate,
): { outcome: CatalogOutcome; next: CatalogState } {
  const candidate = catalogState(update);
  if (current === undefined) return { outcome: update.deleted ? 'deleted' : 'applied', next: candidate };
  const order = compareCatalogStates(candidate, current);
  if (order === 0) return { outcome: 'duplicate', next: current };
  if (candidate.version === current.version && candidate.deleted === current.deleted)
    return order > 0 ? { outcome: 'conflict-won', next: candidate } : { outcome: 'conflict-lost', next: current };
  if (order < 0) return { outcome: 'stale', next: current };
  return { outcome: update.deleted ? 'deleted' : 'applied', next: candidate };
}
