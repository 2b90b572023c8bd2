import { Counter } from 'prom-client';
import { createLogger } from '../core/logging';
import { metricsRegistry } from '../runtime/metrics';
import type { HotnessHints } from './hotness-hints';
import type { ReadThroughCache } from './read-through-cache';

const log = createLogger('cache');

const warmed = new Counter({
  name: 'reelstream_cache_warmed_total',
  help: 'Keys preloaded by the cache warmer, by reason: start (the top tier when the instance starts) or entered-top1 (a content that turned hot)',
  labelNames: ['cache', 'reason'] as const,
  registers: [metricsRegistry],
});

/** The cache keys (with their tags) built from a content, which warming preloads. */
export type KeysOfContent = (contentId: string) => { key: string; tags: string[] }[];

/**
 * Preloads the cache with the hottest content (Netflix EVCache's warming, on a small scale): every
 * key of the top tier before the instance serves, and the keys of each content that enters the top
 * tier while it runs — so a flash crowd's first readers find the title cached.
 */
export class CacheWarmer {
  constructor(
    private readonly cache: ReadThroughCache<unknown>,
    private readonly hints: HotnessHints,
    private readonly keysOf: KeysOfContent,
    private readonly name: string,
  ) {}

  /** Warms the top tier; resolves once every key is loaded (or skipped, logged). Call before serving. */
  async warmTopTier(): Promise<number> {
    const keys = this.hints.top1().flatMap((contentId) => this.keysOf(contentId));
    const count = await this.cache.warm(keys);
    warmed.inc({ cache: this.name, reason: 'start' }, count);
    log.info({ cache: this.name, contents: this.hints.top1().length, keys: count }, 'cache warmed with the top tier');
    return count;
  }

  /** From now on, warms each content that enters the top tier. */
  followHotness(): void {
    this.hints.onEnterTop1((contentId) => {
      void this.cache
        .warm(this.keysOf(contentId))
        .then((count) => warmed.inc({ cache: this.name, reason: 'entered-top1' }, count));
    });
  }
}
