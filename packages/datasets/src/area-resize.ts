// Area-averaging resize of a square grayscale image (what PIL calls BOX and OpenCV INTER_AREA):
// every output pixel is the mean of the input area it covers, fractional edge pixels weighted by
// their overlap. It keeps a digit's mean intensity and draws thin strokes as grey instead of
// dropping them, which nearest-neighbour sampling would do at factors like 28 → 10.

/** weights[i·from + k]: the share of output pixel i that input pixel k covers (each row sums to 1). */
export function areaWeights(from: number, to: number): Float64Array {
  if (!Number.isInteger(from) || from < 1) throw new Error(`areaWeights: from: expected a positive integer, got ${from}`);
  if (!Number.isInteger(to) || to < 1 || to > from) throw new Error(`areaWeights: to: expected an integer in [1, ${from}], got ${to}`);
  const w = new Float64Array(to * from);
  const scale = from / to;
  for (let i = 0; i < to; i++) {
    const lo = i * scale;
    const hi = (i + 1) * scale;
    for (let k = Math.floor(lo); k < Math.min(Math.ceil(hi), from); k++) {
      const overlap = Math.min(hi, k + 1) - Math.max(lo, k);
      if (overlap > 0) w[i * from + k] = overlap / scale;
    }
  }
  return w;
}

/** src: from×from row-major → to×to row-major (rows, then columns, through the same weights). */
export function areaResize(src: ArrayLike<number>, from: number, to: number, weights = areaWeights(from, to)): Float32Array {
  if (src.length !== from * from) throw new Error(`areaResize: expected ${from}×${from} = ${from * from} pixels, got ${src.length}`);
  // Rows first: tmp[i][c] = Σ_k w[i][k] src[k][c]; then columns: out[i][j] = Σ_k tmp[i][k] w[j][k].
  const tmp = new Float64Array(to * from);
  for (let i = 0; i < to; i++) {
    for (let k = 0; k < from; k++) {
      const wk = weights[i * from + k]!;
      if (wk === 0) continue;
      for (let c = 0; c < from; c++) tmp[i * from + c]! += wk * src[k * from + c]!;
    }
  }
  const out = new Float32Array(to * to);
  for (let i = 0; i < to; i++) {
    for (let j = 0; j < to; j++) {
      let s = 0;
      for (let k = 0; k < from; k++) s += tmp[i * from + k]! * weights[j * from + k]!;
      out[i * to + j] = s;
    }
  }
  return out;
}
