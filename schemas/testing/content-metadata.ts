import type { ContentMetadata } from '../types.generated';

/**
 * A valid ContentMetadata for tests: version 1 of content c1, titled "Title", a drama, with no
 * availability windows; a test states only the fields it is about.
 */
export function contentMetadata(overrides: Partial<ContentMetadata> = {}): ContentMetadata {
  return {
    contentId: 'c1',
    version: 1,
    title: 'Title',
    series: null,
    genres: ['drama'],
    maturityRating: 'PG',
    availability: [],
    thumbnails: [],
    updatedAtMs: 0,
    ...overrides,
  };
}
