import { isRetriable } from './errors';

/**
 * The one retrier (after kafkajs's src/retry): an operation is retried only while its error says
 * `retriable`, with exponential backoff and jitter, so a programmer error or a refused request fails
 * at once and a service that is down is waited for. Unbounded by default — the runtime's rule is
 * "a down service makes the pipeline wait" — and bounded by `maxAttempts` or `giveUp()` where the
 * caller has something better to do (a shutdown, an outer retry).
 */
export interface RetryOptions {
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Attempts in all, the first included; unbounded when absent. */
  maxAttempts?: number;
  /** Checked after each failure: true stops retrying and rethrows (e.g. the application is stopping). */
  giveUp?: () => boolean;
  /** Aborted: a wait before the next attempt ends at once, and the last failure is rethrown. */
  signal?: AbortSignal;
  /** Called before each wait: log it, count it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Default: the error's `retriable` flag. */
  retriable?: (error: unknown) => boolean;
}

export function backoffDelay(attempt: number, initialDelayMs = 100, maxDelayMs = 10_000): number {
  const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, attempt - 1));
  // ±20 % so that many clients failing together do not retry in lockstep.
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retriable = options.retriable ?? isRetriable;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      const exhausted = options.maxAttempts !== undefined && attempt >= options.maxAttempts;
      if (!retriable(error) || exhausted || options.giveUp?.() || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, options.initialDelayMs, options.maxDelayMs);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}

/** Waits `delayMs`, or less when `signal` aborts meanwhile. */
function sleep(delayMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, delayMs);
    signal?.addEventListener('abort', done, { once: true });
  });
}
