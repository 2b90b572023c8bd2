import type { ContentHotness } from '../../schemas/types.generated';

/**
 * How hotness is measured (docs/cache.md, "Hotness"): every session start is a view; a view weighs
 * half as much per half-life passed (event time), so a content's decayed views follow its audience
 * within minutes. Within each region (and overall, region `*`) contents are ranked by decayed views:
 * the top 1 % are tier `top1`, the rest of the top 10 % `top10`, the others `tail`. The score is a
 * content's decayed views over the hottest one's, 0–1.
 */
export type HotnessTier = ContentHotness['tier'];

/** How long a cache may keep a content's entries, by tier: hot entries are read often and purged by invalidations anyway. */
export const TTL_HINT_MS: Readonly<Record<HotnessTier, number>> = { top1: 600_000, top10: 120_000, tail: 30_000 };

/** Region code of the overall ranking. */
export const ALL_REGIONS = '*';

/** Decayed views at `toMs`, from what they were at `fromMs`. */
export function decayTo(views: number, fromMs: number, toMs: number, halfLifeMs: number): number {
  return toMs <= fromMs ? views : views * 2 ** (-(toMs - fromMs) / halfLifeMs);
}

export interface Ranked {
  contentId: string;
  decayedViews: number;
  score: number;
  tier: HotnessTier;
  rank: number;
}

/** Ranks one region's contents by decayed views (ties by content id, so the ranking is deterministic). */
export function rank(contents: readonly { contentId: string; decayedViews: number }[]): Ranked[] {
  const sorted = [...contents].sort(
    (a, b) => b.decayedViews - a.decayedViews || (a.contentId < b.contentId ? -1 : a.contentId > b.contentId ? 1 : 0),
  );
  const top1 = Math.max(1, Math.ceil(sorted.length * 0.01));
  const top10 = Math.max(1, Math.ceil(sorted.length * 0.1));
  const hottest = sorted[0]?.decayedViews ?? 0;
  return sorted.map(({ contentId, decayedViews }, index) => ({
    contentId,
    decayedViews,
    score: hottest > 0 ? decayedViews / hottest : 0,
    tier: index < top1 ? 'top1' : index < top10 ? 'top10' : 'tail',
    rank: index + 1,
  }));
}

/** Whether a new ranking of a content is worth publishing: its tier changed, or its score moved by 0.01 or more. */
export function changedEnough(previous: { tier: HotnessTier; score: number } | undefined, next: Ranked): boolean {
  return previous === undefined || previous.tier !== next.tier || Math.abs(previous.score - next.score) >= 0.01;
}
