import { randomBytes } from 'node:crypto';

/**
 * Unique names per test, so integration tests never see each other's topics, keys or tables and a
 * rerun never sees the last run's leftovers. Safe as a Kafka topic, a Redis prefix and a ClickHouse
 * identifier (letters, digits, underscores).
 */
export function uniqueName(prefix: string): string {
  const safePrefix = prefix.replace(/[^A-Za-z0-9_]/g, '_');
  return `${safePrefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
