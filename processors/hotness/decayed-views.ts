import type { ProcessorContext, ProcessorSupplier } from '../api/processor';
import type { StreamRecord } from '../api/record';
import type { KeyValueStore } from '../api/stores';
import { ALL_REGIONS, decayTo } from './hotness-rules';

/** A content's decayed views in one region (or overall), as of `atMs`. */
export interface DecayedViews {
  contentId: string;
  region: string;
  decayedViews: number;
  atMs: number;
}

interface Views {
  views: number;
  atMs: number;
}

/** The store's value per content: overall and per region. */
interface ContentViews {
  all: Views;
  regions: Record<string, Views>;
}

export interface DecayedViewsOptions {
  halfLifeMs: number;
  /** How often the contents that had views are sent on to the ranking (wall clock). */
  emitIntervalMs: number;
}

/** Adds one view at `timeMs`: an older view than the held time adds what it weighs by then, so order does not matter. */
export function addView(held: Views | undefined, timeMs: number, halfLifeMs: number): Views {
  if (!held) return { views: 1, atMs: timeMs };
  if (timeMs >= held.atMs) return { views: decayTo(held.views, held.atMs, timeMs, halfLifeMs) + 1, atMs: timeMs };
  return { views: held.views + decayTo(1, timeMs, held.atMs, halfLifeMs), atMs: held.atMs };
}

/**
 * Keyed by content: counts each session start as a view, decayed by event time (hotness-rules.ts),
 * overall and per region, in a changelogged store — the sum is the same in any order, so a replay or
 * a restore gives the same views. Every `emitIntervalMs` the contents that had views since are sent
 * on, one record per region plus one overall, re-keyed by region for the ranking.
 */
export function decayedViewsProcessor(
  storeName: string,
  options: DecayedViewsOptions,
): ProcessorSupplier<string, { region: string; eventTimeMs: number }, string, DecayedViews> {
  return () => {
    let context: ProcessorContext<string, DecayedViews>;
    let store: KeyValueStore<string, ContentViews>;
    /** Regions with views since the last emit, per content. */
    const dirty = new Map<string, Set<string>>();
    return {
      init: (ctx) => {
        context = ctx;
        store = ctx.getStateStore<KeyValueStore<string, ContentViews>>(storeName);
        ctx.schedule(options.emitIntervalMs, 'wall-clock', () => {
          for (const [contentId, regions] of dirty) {
            const held = store.get(contentId);
            if (!held) continue;
            const send = (region: string, views: Views) =>
              context.forward({
                key: region,
                value: { contentId, region, decayedViews: views.views, atMs: views.atMs },
                timestamp: views.atMs,
              });
            send(ALL_REGIONS, held.all);
            for (const region of regions) {
              const views = held.regions[region];
              if (views) send(region, views);
            }
          }
          dirty.clear();
        });
      },
      process: (record: StreamRecord<string, { region: string; eventTimeMs: number }>) => {
        const contentId = record.key;
        const { region, eventTimeMs } = record.value;
        const held = store.get(contentId);
        store.put(contentId, {
          all: addView(held?.all, eventTimeMs, options.halfLifeMs),
          regions: { ...held?.regions, [region]: addView(held?.regions[region], eventTimeMs, options.halfLifeMs) },
        });
        let regions = dirty.get(contentId);
        if (!regions) dirty.set(contentId, (regions = new Set()));
        regions.add(region);
      },
    };
  };
}
