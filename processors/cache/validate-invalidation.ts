import { RecordRefusedError } from '../../core/errors';
import type { ProcessorContext, ProcessorSupplier } from '../api/processor';
import type { StreamRecord } from '../api/record';
import type { Invalidation } from './invalidations';

/** An invalidation that names nothing, or no usable version: it goes to the DLQ with this reason. */
export class InvalidInvalidationError extends RecordRefusedError {}

/**
 * Forwards well-formed invalidations; a tombstone (compaction's delete of an old invalidation) is
 * skipped, an empty target or a version that is not a non-negative integer goes to the DLQ.
 */
export function validateInvalidationProcessor(): ProcessorSupplier<string, Invalidation | null, string, Invalidation> {
  return () => {
    let context: ProcessorContext<string, Invalidation>;
    return {
      init: (ctx) => (context = ctx),
      process: (record: StreamRecord<string, Invalidation | null>) => {
        const invalidation = record.value;
        if (invalidation === null) return;
        if (invalidation.target.length === 0)
          return context.deadLetter(record, new InvalidInvalidationError('cache invalidation with an empty target'));
        if (!Number.isSafeInteger(invalidation.version) || invalidation.version < 0)
          return context.deadLetter(
            record,
            new InvalidInvalidationError(
              `cache invalidation version must be a non-negative integer, not ${invalidation.version}`,
            ),
          );
        context.forward(record as StreamRecord<string, Invalidation>);
      },
    };
  };
}
