/** A string identity for a record key, for in-memory indexes (string keys, the common case, as they are). */
export function keyId(key: unknown): string {
  return typeof key === 'string' ? key : `~${JSON.stringify(key)}`;
}
