import { ReelstreamError, ServiceUnavailableError } from './errors';
import { backoffDelay, retry } from './retry';

const down = () => new ServiceUnavailableError('test', 'down');

describe('retry', () => {
  it('retries a retriable failure until the operation succeeds', async () => {
    const seen: number[] = [];
    const result = await retry(
      async (attempt) => {
        if (attempt < 3) throw down();
        return 'ok';
      },
      { initialDelayMs: 1, onRetry: (_error, attempt) => seen.push(attempt) },
    );
    expect(result).toBe('ok');
    expect(seen).toEqual([1, 2]);
  });

  it('never retries an error that is not retriable', async () => {
    let calls = 0;
    await expect(
      retry(async () => {
        calls += 1;
        throw new ReelstreamError('bad request');
      }),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('stops at maxAttempts or when the caller gives up', async () => {
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw down();
    };
    await expect(retry(failing, { initialDelayMs: 1, maxAttempts: 3 })).rejects.toThrow('down');
    expect(calls).toBe(3);
    calls = 0;
    await expect(retry(failing, { initialDelayMs: 1, giveUp: () => calls >= 2 })).rejects.toThrow('down');
    expect(calls).toBe(2);
  });

  it('ends its wait at once when aborted, rethrowing the last failure', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const retrying = retry(
      async () => {
        calls += 1;
        throw down();
      },
      { initialDelayMs: 60_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 10);
    await expect(retrying).rejects.toThrow('down');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000); // not the minute's backoff
  });

  it('backs off exponentially up to the cap, with jitter', () => {
    for (let i = 0; i < 20; i += 1) {
      expect(backoffDelay(1, 100, 10_000)).toBeGreaterThanOrEqual(80);
      expect(backoffDelay(1, 100, 10_000)).toBeLessThanOrEqual(120);
      expect(backoffDelay(20, 100, 10_000)).toBeLessThanOrEqual(12_000);
      expect(backoffDelay(20, 100, 10_000)).toBeGreaterThanOrEqual(8_000);
    }
  });
});
