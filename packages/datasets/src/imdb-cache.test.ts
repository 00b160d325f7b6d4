import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImdb, type ImdbData } from './imdb-build.js';
import { readImdbCache, writeImdbCache } from './imdb-cache.js';

const train = [
  { t: "It's a fine, fine film. Café!", s: 1 },
  { t: 'Dull and long<br />dull', s: 0 },
];
const test = [{ t: 'fine but long', s: 1 }];

describe('IMDB cache file', () => {
  let dir: string;
  let data: ImdbData;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rnnkit-imdb-cache-'));
    data = buildImdb(train, test, { maxLen: 5, padding: 'post' });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips data, token counts, lengths and the vocabulary; leaves no temp file', async () => {
    const path = join(dir, 'a.bin');
    await writeImdbCache(path, 'key-a', data);
    expect(await readdir(dir)).toEqual(['a.bin']);
    const back = await readImdbCache(path, 'key-a', data.settings);
    if (!back || 'miss' in back) throw new Error(`expected a hit, got ${JSON.stringify(back)}`);
    expect(back.train.x).toEqual(data.train.x);
    expect(back.train.y).toEqual(data.train.y);
    expect(back.test.x).toEqual(data.test.x);
    expect(back.train.lengths).toEqual(data.train.lengths);
    expect(back.tokenCounts).toEqual(data.tokenCounts);
    expect(back.vocabulary.words).toEqual(data.vocabulary.words);
    expect(back.vocabulary.words).toContain('café');
    expect(back.vocabulary.decode(back.test.x.data)).toBe(data.vocabulary.decode(data.test.x.data));
  });

  it('reports no file as undefined, and another key as a miss', async () => {
    expect(await readImdbCache(join(dir, 'none.bin'), 'k', data.settings)).toBeUndefined();
    const path = join(dir, 'b.bin');
    await writeImdbCache(path, 'key-b', data);
    expect(await readImdbCache(path, 'key-other', data.settings)).toEqual({ miss: expect.stringMatching(/other settings/) });
  });

  it('rejects a flipped byte (checksum) and a truncated file (length)', async () => {
    const path = join(dir, 'c.bin');
    await writeImdbCache(path, 'key-c', data);
    const good = await readFile(path);
    const flipped = Buffer.from(good);
    flipped[good.length - 40]! ^= 0x01;
    await writeFile(path, flipped);
    expect(await readImdbCache(path, 'key-c', data.settings)).toEqual({ miss: expect.stringMatching(/checksum mismatch/) });
    await writeFile(path, good.subarray(0, good.length - 7));
    expect(await readImdbCache(path, 'key-c', data.settings)).toEqual({ miss: expect.stringMatching(/length \d+ bytes, expected \d+/) });
    await writeFile(path, 'garbage');
    expect(await readImdbCache(path, 'key-c', data.settings)).toEqual({ miss: expect.stringMatching(/not an rnnkit IMDB cache/) });
  });
});
