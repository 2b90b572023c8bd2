import type { ProcessorContext, ProcessorSupplier } from '../api/processor';
import type { StreamRecord } from '../api/record';
import type { KeyValueStore } from '../api/stores';
import type { ContentMetadata } from '../../schemas/types.generated';
import { resolveCatalogUpdate, type CatalogState } from './catalog-rules';
import { InvalidCatalogRecordError, catalogUpdateOrDeadLetter } from './catalog-validation';

/** What catalog-sync emits for every change it applies: the content's new state and where it came from. */
export interface CatalogChange {
  contentId: string;
  version: number;
  deleted: boolean;
  metadata: ContentMetadata | null;
  updatedAtMs: number;
  /** `conflict-won`: an update of the held version that won the conflict rule (counted as a conflict). */
  outcome: 'applied' | 'deleted' | 'conflict-won';
  sourcePartition: number;
  sourceOffset: number;
  /** The catalog record's Kafka timestamp: propagation latency is measured from it. */
  sourceTimestampMs: number;
}

/**
 * The catalog's latest version per content id (rules: catalog-rules.ts), in a changelogged store.
 * A corrupt record, or one whose version goes back by more than `maxVersionRegression` (a sign
 * of a broken producer, not of reordering), goes to the DLQ with its reason; a stale, duplicate or
 * conflict-losing one is dropped and counted by reason; every applied change is forwarded.
 */
export function catalogSyncProcessor(
  storeName: string,
  maxVersionRegression: number,
): ProcessorSupplier<string, ContentMetadata | null, string, CatalogChange> {
  return () => {
    let context: ProcessorContext<string, CatalogChange>;
    let store: KeyValueStore<string, CatalogState>;
    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<string, CatalogState>>(storeName);
      },
      process: (record: StreamRecord<string, ContentMetadata | null>) => {
        const update = catalogUpdateOrDeadLetter(record, context);
        if (!update) return;
        const current = store.get(update.contentId);
        if (current && current.version - update.version > maxVersionRegression) {
          context.deadLetter(
            record,
            new InvalidCatalogRecordError(
              'version-regression',
              `${update.contentId} version ${update.version} is ${current.version - update.version} behind the held ${current.version} (at most ${maxVersionRegression} is reordering)`,
            ),
          );
          return;
        }
        const { outcome, next } = resolveCatalogUpdate(current, update);
        if (outcome === 'stale' || outcome === 'duplicate' || outcome === 'conflict-lost') {
          context.dropped(record, outcome);
          return;
        }
        store.put(update.contentId, next);
        context.forward({
          key: update.contentId,
          value: {
            contentId: next.contentId,
            version: next.version,
            deleted: next.deleted,
            metadata: next.metadata,
            updatedAtMs: next.updatedAtMs,
            outcome,
            sourcePartition: record.source?.partition ?? -1,
            sourceOffset: Number(record.source?.offset ?? -1),
            sourceTimestampMs: record.timestamp,
          },
          timestamp: record.timestamp,
        });
      },
    };
  };
}
