import type { ProcessorContext, ProcessorSupplier } from '../api/processor';
import type { StreamRecord } from '../api/record';
import { catalogUpdateOrDeadLetter } from '../catalog/catalog-validation';
import type { CacheInvalidation, ContentMetadata } from '../../schemas/types.generated';

/**
 * Every catalog change invalidates what was built from that content: one `content_id` invalidation
 * at the change's version (every cache entry tagged with the content id and older than that version
 * is purged; docs/cache.md). A delete invalidates too, at the version its header carries. A record
 * catalog-sync would refuse as corrupt goes to the DLQ with the same reason; a stale one (an older
 * version arriving late) is passed on all the same — an invalidation below a mark changes nothing.
 */
export function catalogInvalidationsProcessor(): ProcessorSupplier<
  string,
  ContentMetadata | null,
  string,
  CacheInvalidation
> {
  return () => {
    let context: ProcessorContext<string, CacheInvalidation>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<string, ContentMetadata | null>) => {
        const update = catalogUpdateOrDeadLetter(record, context);
        if (!update) return;
        context.forward({
          key: update.contentId,
          value: {
            targetType: 'content_id',
            target: update.contentId,
            version: update.version,
            reason: update.deleted ? 'catalog-delete' : 'catalog-update',
            issuedAtMs: record.timestamp,
          },
          timestamp: record.timestamp,
        });
      },
    };
  };
}
