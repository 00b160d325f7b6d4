export * from './idx.js';
export * from './mnist.js';
export * from './tokenize.js';
export * from './vocabulary.js';
export * from './pad-sequences.js';
export * from './imdb-build.js';
export * from './imdb-cache.js';
export * from './imdb.js';
