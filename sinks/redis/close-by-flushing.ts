import { ServiceUnavailableError } from '../../core/errors';

/**
 * A Redis sink's close(): sends what is still pending (once) and rejects, naming how much is left,
 * if Redis does not take it — never drops written data silently (the sink contract).
 */
export async function closeByFlushing(pending: () => number, flush: () => Promise<void>, what: string): Promise<void> {
  if (pending() === 0) return;
  try {
    await flush();
  } catch (error) {
    throw new ServiceUnavailableError(
      'redis',
      `closed with ${pending()} ${what} not acknowledged (their offsets are not committed: a restart writes them again)`,
      { cause: error, retriable: false },
    );
  }
}
