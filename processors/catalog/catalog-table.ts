import type { ContentMetadata } from '../../schemas/types.generated';
import { catalogState, compareCatalogStates } from './catalog-rules';
import { CATALOG_VERSION_HEADER } from './catalog-validation';

const stateOf = (metadata: ContentMetadata) =>
  catalogState({
    contentId: metadata.contentId,
    version: metadata.version,
    deleted: false,
    metadata,
    updatedAtMs: metadata.updatedAtMs,
  });

/**
 * The options that make a table of `catalog.content` (`b.table` or `b.globalTable`) hold what
 * catalog-sync holds: the same total order (catalog-rules.ts) decides between two updates, and a
 * tombstone's version comes from the same header.
 */
export const catalogTableOptions = {
  valueSchema: 'ContentMetadata' as const,
  version: (metadata: ContentMetadata) => metadata.version,
  isNewer: (candidate: ContentMetadata, current: ContentMetadata) =>
    compareCatalogStates(stateOf(candidate), stateOf(current)) > 0,
  tombstoneVersionHeader: CATALOG_VERSION_HEADER,
};
