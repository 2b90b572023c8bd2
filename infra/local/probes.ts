import { createConnection } from 'node:net';

/** True when something accepts TCP connections on host:port (says nothing about what it is). */
export function isPortOpen(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Stops waiting early, e.g. when the process being waited for has died. */
  abortIf?: () => string | undefined;
}

/** Polls `probe` until it returns a value; throws with the last failure when time runs out. */
export async function waitFor<T>(probe: () => Promise<T>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    const abortReason = options.abortIf?.();
    if (abortReason) throw new Error(abortReason, { cause: lastError });
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`not ready after ${options.timeoutMs} ms: ${reason}`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

/** GET a URL with a timeout; throws on a non-2xx status. */
export async function httpGet(url: string, timeoutMs = 2_000, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${body.slice(0, 200)}`);
  return body;
}
