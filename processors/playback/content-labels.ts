import type { ContentMetadata } from '../../schemas/types.generated';
import type { PlaybackSummary } from './playback-stats';

/** What dashboards and BI show of a content beside its figures, from the catalog. */
export interface ContentLabels {
  /** null: the catalog does not know the content (or has deleted it). */
  title: string | null;
  /** The primary genre: the first the catalog lists; null when it lists none. */
  genre: string | null;
}

export type LabelledSummary = PlaybackSummary & ContentLabels;

export function labelsOf(metadata: ContentMetadata | null): ContentLabels {
  return { title: metadata?.title ?? null, genre: metadata?.genres[0] ?? null };
}
