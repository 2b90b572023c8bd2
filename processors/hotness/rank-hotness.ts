import type { ProcessorContext, ProcessorSupplier } from '../api/processor';
import type { StreamRecord } from '../api/record';
import type { KeyValueStore } from '../api/stores';
import type { ContentHotness } from '../../schemas/types.generated';
import type { DecayedViews } from './decayed-views';
import { changedEnough, decayTo, rank, TTL_HINT_MS, type HotnessTier } from './hotness-rules';

/** Decayed views below this are forgotten: the content left every ranking (a tombstone is sent). */
const FORGOTTEN_BELOW = 1e-3;

interface Held {
  decayedViews: number;
  atMs: number;
  /** What was last published for it. */
  published?: { tier: HotnessTier; score: number };
}

/** A content's new hotness in a region, or null once it is forgotten there. */
export interface HotnessChange {
  contentId: string;
  region: string;
  hotness: ContentHotness | null;
  /** The event time the region was ranked at: of two changes, the later one is current (a replay's older one is not). */
  asOfMs: number;
}

export interface RankHotnessOptions {
  halfLifeMs: number;
  /** How often each region is ranked again (wall clock). */
  rankIntervalMs: number;
}

/**
 * Keyed by region (`*` overall): holds every content's latest decayed views per region, and every
 * `rankIntervalMs` ranks each region at its latest view time (hotness-rules.ts). A content whose tier
 * or score changed enough is published as ContentHotness, keyed `contentId|region` (the key of the
 * compacted topic; nothing reads it back); one that decayed to nothing is forgotten and published
 * with a null hotness, a tombstone on the topic, so the compacted topic forgets it too.
 */
export function rankHotnessProcessor(
  storeName: string,
  options: RankHotnessOptions,
): ProcessorSupplier<string, DecayedViews, string, HotnessChange> {
  return () => {
    let context: ProcessorContext<string, HotnessChange>;
    let store: KeyValueStore<[string, string], Held>;
    const rankRegions = (nowMs: number) => {
      const byRegion = new Map<string, { contentId: string; held: Held }[]>();
      for (const [[region, contentId], held] of store.entries()) {
        let contents = byRegion.get(region);
        if (!contents) byRegion.set(region, (contents = []));
        contents.push({ contentId, held });
      }
      for (const [region, contents] of byRegion) {
        const asOf = Math.max(...contents.map(({ held }) => held.atMs));
        const decayed = contents.map(({ contentId, held }) => ({
          contentId,
          held,
          decayedViews: decayTo(held.decayedViews, held.atMs, asOf, options.halfLifeMs),
        }));
        for (const gone of decayed.filter((content) => content.decayedViews < FORGOTTEN_BELOW)) {
          store.delete([region, gone.contentId]);
          context.forward({
            key: `${gone.contentId}|${region}`,
            value: { contentId: gone.contentId, region, hotness: null, asOfMs: asOf },
            timestamp: asOf,
          });
        }
        const live = decayed.filter((content) => content.decayedViews >= FORGOTTEN_BELOW);
        const heldOf = new Map(live.map((content) => [content.contentId, content.held]));
        for (const ranked of rank(live)) {
          const held = heldOf.get(ranked.contentId) as Held;
          if (!changedEnough(held.published, ranked)) continue;
          store.put([region, ranked.contentId], { ...held, published: { tier: ranked.tier, score: ranked.score } });
          context.forward({
            key: `${ranked.contentId}|${region}`,
            value: {
              contentId: ranked.contentId,
              region,
              hotness: {
                contentId: ranked.contentId,
                region,
                score: ranked.score,
                decayedViews: ranked.decayedViews,
                tier: ranked.tier,
                rank: ranked.rank,
                ttlHintMs: TTL_HINT_MS[ranked.tier],
                computedAtMs: nowMs,
                asOfMs: asOf,
              },
              asOfMs: asOf,
            },
            timestamp: asOf,
          });
        }
      }
    };
    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<[string, string], Held>>(storeName);
        ctx.schedule(options.rankIntervalMs, 'wall-clock', (now) => rankRegions(now));
      },
      process: (record: StreamRecord<string, DecayedViews>) => {
        const { contentId, region, decayedViews, atMs } = record.value;
        const held = store.get([region, contentId]);
        if (held && held.atMs > atMs) return; // an older state of the same views: the held one is newer
        store.put([region, contentId], {
          decayedViews,
          atMs,
          ...(held?.published ? { published: held.published } : {}),
        });
      },
    };
  };
}
