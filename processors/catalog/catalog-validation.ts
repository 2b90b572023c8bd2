import { RecordRefusedError } from '../../core/errors';
import type { ContentMetadata } from '../../schemas/types.generated';
import type { ProcessorContext } from '../api/processor';
import type { StreamRecord } from '../api/record';
import type { CatalogUpdate } from './catalog-rules';

/** The header a catalog tombstone carries its version in. */
export const CATALOG_VERSION_HEADER = 'version';

/** A catalog record that must not be applied (it goes to the DLQ with `reason`). */
export class InvalidCatalogRecordError extends RecordRefusedError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(`invalid catalog record (${reason}): ${message}`);
  }
}

const isVersion = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * A catalog record as an update, or why it is corrupt: a key, a version that is a non-negative
 * integer, a value whose contentId is its key, a title, availability windows that end after they
 * start; a tombstone needs its version in the `version` header (a delete without one cannot be
 * ordered against the updates).
 */
export function catalogUpdateOf(
  key: unknown,
  value: ContentMetadata | null,
  headers: Readonly<Record<string, string>> | undefined,
  timestamp: number,
): CatalogUpdate {
  if (typeof key !== 'string' || key.length === 0)
    throw new InvalidCatalogRecordError('missing-key', 'a catalog record needs the content id as its key');
  if (value === null) {
    const header = headers?.[CATALOG_VERSION_HEADER];
    const version = header === undefined ? Number.NaN : Number(header);
    if (!isVersion(version))
      throw new InvalidCatalogRecordError(
        'tombstone-without-version',
        `the delete of ${key} carries no valid "${CATALOG_VERSION_HEADER}" header (${String(header)})`,
      );
    return { contentId: key, version, deleted: true, metadata: null, updatedAtMs: timestamp };
  }
  if (value.contentId !== key)
    throw new InvalidCatalogRecordError('key-mismatch', `key ${key} holds content ${value.contentId}`);
  if (!isVersion(value.version))
    throw new InvalidCatalogRecordError('invalid-version', `version ${String(value.version)} of ${key}`);
  if (typeof value.title !== 'string' || value.title.trim() === '')
    throw new InvalidCatalogRecordError('missing-title', `${key} version ${value.version} has no title`);
  for (const window of value.availability ?? [])
    if (window.endMs !== null && window.endMs < window.startMs)
      throw new InvalidCatalogRecordError(
        'invalid-availability',
        `${key} version ${value.version}: availability in ${window.region} ends (${window.endMs}) before it starts (${window.startMs})`,
      );
  return { contentId: key, version: value.version, deleted: false, metadata: value, updatedAtMs: value.updatedAtMs };
}

/** The record's update, or undefined once a corrupt record went to the DLQ with its reason. */
export function catalogUpdateOrDeadLetter(
  record: StreamRecord<string, ContentMetadata | null>,
  context: Pick<ProcessorContext, 'deadLetter'>,
): CatalogUpdate | undefined {
  try {
    return catalogUpdateOf(record.key, record.value ?? null, record.headers, record.timestamp);
  } catch (error) {
    if (!(error instanceof InvalidCatalogRecordError)) throw error;
    context.deadLetter(record, error);
    return undefined;
  }
}
