// Embedding lookup and its gradient. Token ids live on the host (int32 storage rule), so the
// backward pass builds a CSR index on the host (for each vocabulary row, the positions whose id
// is that row) and the kernel sums only those rows of dy: cost O(B·T·E) reads plus O(V·E)
// fragments, instead of O(V·E·B·T) for a kernel that scans every id for every output element.
// The per-fragment loop is bounded by the largest count of any one id (a constant of the
// compiled kernel, rounded up to a power of two so few variants get compiled).
import type { Engine, Storage } from './engine.js';

/** weight: [V, E], ids: [N] → y: [N, E] */
export function embeddingForward(e: Engine, weight: Storage, ids: Int32Array, V: number, E: number): Storage {
  return e.run(
    {
      key: `emb-fwd:${ids.length}:${V}:${E}`,
      size: ids.length * E,
      constants: { E },
      source: `function (w, ids) {
        const i = this.thread.x;
        const n = Math.floor((i + 0.5) / this.constants.E);
        return w[ids[n] * this.constants.E + i - n * this.constants.E];
      }`,
    },
    [weight, Float32Array.from(ids)],
  );
}

/** dy: [N, E] → dWeight: [V, E], dWeight[v] = Σ_{n: ids[n] = v} dy[n] */
export function embeddingBackward(e: Engine, dy: Storage, ids: Int32Array, V: number, E: number): Storage {
  const counts = new Int32Array(V + 1);
  for (const id of ids) counts[id + 1]!++;
  let maxCount = 1;
  for (let v = 0; v < V; v++) {
    maxCount = Math.max(maxCount, counts[v + 1]!);
    counts[v + 1]! += counts[v]!;
  }
  const offsets = Float32Array.from(counts);
  const cursor = counts.slice(0, V);
  const positions = new Float32Array(Math.max(ids.length, 1));
  ids.forEach((id, n) => {
    positions[cursor[id]!++] = n;
  });
  const L = 2 ** Math.ceil(Math.log2(maxCount));
  return e.run(
    {
      key: `emb-bwd:${ids.length}:${V}:${E}:${L}`,
      size: V * E,
      constants: { E, L },
      source: `function (dy, offsets, positions) {
        const i = this.thread.x;
        const v = Math.floor((i + 0.5) / this.constants.E);
        const col = i - v * this.constants.E;
        const start = offsets[v];
        const count = offsets[v + 1] - start;
        let s = 0;
        for (let p = 0; p < this.constants.L; p++) {
          if (p < count) { s += dy[positions[start + p] * this.constants.E + col]; }
        }
        return s;
      }`,
    },
    [dy, offsets, positions],
  );
}
