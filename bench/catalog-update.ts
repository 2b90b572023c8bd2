import type { ContentMetadata } from '../schemas/types.generated';

/** The next version of a title in a benchmark's catalog campaign: one version up from the last one sent. */
export function nextCatalogUpdate(
  versions: Map<number, number>,
  rank: number,
  contentId: string,
  now: number,
): ContentMetadata {
  const version = (versions.get(rank) ?? 1) + 1;
  versions.set(rank, version);
  return {
    contentId,
    version,
    title: `Title ${rank} v${version}`,
    series: null,
    genres: ['drama'],
    maturityRating: 'PG',
    availability: [],
    thumbnails: [],
    updatedAtMs: now,
  };
}
