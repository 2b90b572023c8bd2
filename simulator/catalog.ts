import { resolveCatalogUpdate, type CatalogState } from '../processors/catalog/catalog-rules';
import { CATALOG_VERSION_HEADER, catalogUpdateOf } from '../processors/catalog/catalog-validation';
import type { ContentMetadata } from '../schemas/types.generated';
import { unit } from './random';

/** One catalog record as the catalog service would produce it: keyed by content id; null deletes. */
export interface CatalogRecord {
  key: string;
  value: ContentMetadata | null;
  headers?: Record<string, string>;
}

export interface CatalogCampaignOptions {
  seed: number;
  /** Content ids are `<prefix>-<rank>` for rank 0..contents-1, as the playback simulation names them. */
  contentPrefix: string;
  contents: number;
  regions: readonly string[];
  /** Updates after the initial titles. */
  updates: number;
  /** Epoch ms of the campaign's first record (the playback scenario's start); availability windows are around it. */
  startMs: number;
}

const GENRES = ['drama', 'comedy', 'documentary', 'thriller', 'kids', 'sport', 'sci-fi', 'romance'];

/** When the licences that end during a run end, after the campaign's start. */
const LICENCE_ENDS_AFTER_MS = 120_000;

/** What kinds the campaign's updates are, in shares of all updates (the rest are plain newer versions). */
const SHARES = { outOfOrder: 0.1, duplicate: 0.1, backwards: 0.05, conflict: 0.05, delete: 0.02 };

function metadata(options: CatalogCampaignOptions, rank: number, version: number, edit: number): ContentMetadata {
  const { seed, contentPrefix, regions, startMs } = options;
  const contentId = `${contentPrefix}-${rank}`;
  return {
    contentId,
    version,
    title: edit === 0 ? `Title ${rank}` : `Title ${rank} (edit ${edit})`,
    series: null,
    genres: [GENRES[Math.floor(unit(seed, rank, 1) * GENRES.length)] as string],
    maturityRating: unit(seed, rank, 2) < 0.2 ? '16+' : 'PG',
    // Every title plays in most regions; about one in ten is not licensed in its last region, and
    // about one in ten loses its first region's licence two minutes into the run.
    availability: regions
      .filter((_, index) => index < regions.length - 1 || unit(seed, rank, 3) >= 0.1)
      .map((region, index) => ({
        region,
        startMs: startMs - 365 * 86_400_000,
        endMs: index === 0 && unit(seed, rank, 4) < 0.1 ? startMs + LICENCE_ENDS_AFTER_MS : null,
      })),
    thumbnails: [{ size: '640x360', url: `https://img.example/${contentId}/${version}.jpg` }],
    updatedAtMs: startMs + version * 1_000 + edit,
  };
}

/**
 * A seeded catalog: a title for every content id (version 1), then an update campaign that a real
 * catalog service's retries, replays and bugs look like — newer versions, out-of-order pairs,
 * duplicates, versions going backwards, conflicting edits of one version and versioned deletes.
 * Deterministic for a seed. `expected` is what every materialization must hold afterwards (the rules'
 * fold, processors/catalog/catalog-rules.ts).
 */
export function catalogCampaign(options: CatalogCampaignOptions): {
  records: CatalogRecord[];
  expected: Map<string, CatalogState>;
} {
  const { seed, contents, updates } = options;
  const records: CatalogRecord[] = [];
  const versions = new Map<number, number>();
  for (let rank = 0; rank < contents; rank += 1) {
    records.push({ key: `${options.contentPrefix}-${rank}`, value: metadata(options, rank, 1, 0) });
    versions.set(rank, 1);
  }
  for (let index = 0; index < updates; index += 1) {
    const rank = Math.floor(unit(seed, 1_000_003, index) * contents);
    const key = `${options.contentPrefix}-${rank}`;
    const version = (versions.get(rank) ?? 1) + 1;
    versions.set(rank, version);
    const kind = unit(seed, 1_000_033, index);
    let threshold = SHARES.outOfOrder;
    if (kind < threshold) {
      // The next two versions, the newer first.
      versions.set(rank, version + 1);
      records.push(
        { key, value: metadata(options, rank, version + 1, 0) },
        { key, value: metadata(options, rank, version, 0) },
      );
      continue;
    }
    if (kind < (threshold += SHARES.duplicate)) {
      const value = metadata(options, rank, version, 0);
      records.push({ key, value }, { key, value });
      continue;
    }
    if (kind < (threshold += SHARES.backwards)) {
      records.push(
        { key, value: metadata(options, rank, version, 0) },
        { key, value: metadata(options, rank, Math.max(1, version - 2), 7) },
      );
      continue;
    }
    if (kind < (threshold += SHARES.conflict)) {
      // Two editors change one version: the later edit wins; the earlier one, sent again, loses.
      const early = metadata(options, rank, version, 1);
      records.push({ key, value: early }, { key, value: metadata(options, rank, version, 2) }, { key, value: early });
      continue;
    }
    if (kind < (threshold += SHARES.delete)) {
      records.push({ key, value: null, headers: { [CATALOG_VERSION_HEADER]: String(version) } });
      continue;
    }
    records.push({ key, value: metadata(options, rank, version, 0) });
  }
  const expected = new Map<string, CatalogState>();
  for (const record of records) {
    const update = catalogUpdateOf(record.key, record.value, record.headers, 0);
    expected.set(record.key, resolveCatalogUpdate(expected.get(record.key), update).next);
  }
  return { records, expected };
}

/** The catalog a campaign leaves: each content's winning metadata, without the deleted ones. */
export function finalCatalog(expected: ReadonlyMap<string, CatalogState>): Map<string, ContentMetadata> {
  const catalog = new Map<string, ContentMetadata>();
  for (const [contentId, state] of expected)
    if (!state.deleted && state.metadata) catalog.set(contentId, state.metadata);
  return catalog;
}
