// Embedding lookup and its gradient. Token ids live on the host (int32 storage rule), so the
// backward pass builds a CSR index on the host (for each vocabulary row, the positions whose id
// is that row) and the kernel sums only those rows of dy: cost O(B·T·E) reads plus O(V·E)
// fragments, instead of O(V·E·B·T) for a kernel that scans every id for every output element.
// The per-fragment loop is a compiled constant, so frequent ids are summed in bounded chunks.
import { release, type Engine, type Storage } from './engine.js';
import { floorDiv } from './index-math.js';

/** weight: [V, E], ids: [N] → y: [N, E] */
export function embeddingForward(e: Engine, weight: Storage, ids: Int32Array, V: number, E: number): Storage {
  return e.run(
    {
      key: `emb-fwd:${ids.length}:${V}:${E}`,
      size: ids.length * E,
      constants: { E },
      source: `function (w, ids) {
        const i = this.thread.x;
        ${floorDiv('n', 'i', 'this.constants.E')}
        return w[ids[n] * this.constants.E + (i - n * this.constants.E)];
      }`,
    },
    [weight, Float32Array.from(ids)],
  );
}

/** dy: [N, E] → dWeight: [V, E], dWeight[v] = Σ_{n: ids[n] = v} dy[n] */
export function embeddingBackward(e: Engine, dy: Storage, ids: Int32Array, V: number, E: number): Storage {
  // CSR by id: rows offsets[v] … offsets[v+1]−1 of `positions` are the n with ids[n] = v
  const offsets = new Int32Array(V + 1);
  for (const id of ids) offsets[id + 1]!++;
  for (let v = 0; v < V; v++) offsets[v + 1]! += offsets[v]!;
  const cursor = offsets.slice(0, V);
  const positions = new Int32Array(ids.length);
  ids.forEach((id, n) => {
    positions[cursor[id]!++] = n;
  });
  return segmentSum(e, dy, positions, offsets, E, false);
}

/**
 * Longest run one fragment sums. The padding id fills thousands of positions of a 'pre'-padded
 * IMDB batch; a loop bound of that size in every fragment of [V, E] cost seconds per step on
 * llvmpipe, so long groups are summed in chunks of at most this many rows, level by level.
 */
const CHUNK = 32;
const CHUNK_BUCKET = 1024;

/**
 * out: [G, E], out[g] = Σ_{r ∈ [offsets[g], offsets[g+1])} src[rows[r]] (src: [·, E]).
 * Groups longer than CHUNK are first reduced to chunk sums, which become the rows of the next
 * level; each level's loop bound is ≤ CHUNK (a power of two, so few variants get compiled).
 */
function segmentSum(e: Engine, src: Storage, rows: Int32Array, offsets: Int32Array, E: number, ownsSrc: boolean): Storage {
  const G = offsets.length - 1;
  let longest = 0;
  for (let g = 0; g < G; g++) longest = Math.max(longest, offsets[g + 1]! - offsets[g]!);
  if (longest <= CHUNK) {
    const out = sumRuns(e, src, rows, offsets, E, 2 ** Math.ceil(Math.log2(Math.max(longest, 1))));
    if (ownsSrc) release(src);
    return out;
  }
  // split every group into chunks of ≤ CHUNK consecutive rows; chunk c starts at starts[c]
  const chunkOffsets = new Int32Array(G + 1);
  for (let g = 0; g < G; g++) chunkOffsets[g + 1] = chunkOffsets[g]! + Math.ceil((offsets[g + 1]! - offsets[g]!) / CHUNK);
  const C = chunkOffsets[G]!;
  // The chunk count changes from batch to batch, and every new size would compile (and cache) a
  // new kernel: pad it with empty chunks to a multiple of CHUNK_BUCKET.
  const Cp = Math.ceil(C / CHUNK_BUCKET) * CHUNK_BUCKET;
  const starts = new Int32Array(Cp + 1).fill(offsets[G]!);
  for (let g = 0; g < G; g++) {
    for (let c = chunkOffsets[g]!, r = offsets[g]!; c < chunkOffsets[g + 1]!; c++, r += CHUNK) starts[c] = r;
  }
  // a chunk ends where the next begins: groups are contiguous in rows, so a group's last chunk
  // ends at the next group's first row, and the padding chunks are empty
  const partial = sumRuns(e, src, rows, starts, E, CHUNK);
  if (ownsSrc) release(src);
  return segmentSum(e, partial, Int32Array.from({ length: Cp }, (_, c) => c), chunkOffsets, E, true);
}

/** out: [G, E] = the run sums of one level; every run is at most L rows long */
function sumRuns(e: Engine, src: Storage, rows: Int32Array, offsets: Int32Array, E: number, L: number): Storage {
  const G = offsets.length - 1;
  return e.run(
    {
      key: `emb-bwd:${rows.length}:${G}:${E}:${L}`,
      size: G * E,
      constants: { E, L },
      source: `function (src, offsets, rows) {
        const i = this.thread.x;
        ${floorDiv('g', 'i', 'this.constants.E')}
        const col = i - g * this.constants.E;
        const start = offsets[g];
        const count = offsets[g + 1] - start;
        let s = 0;
        for (let p = 0; p < this.constants.L; p++) {
          if (p < count) { s += src[rows[start + p] * this.constants.E + col]; }
        }
        return s;
      }`,
    },
    [src, Float32Array.from(offsets), rows.length > 0 ? Float32Array.from(rows) : new Float32Array(1)],
  );
}
