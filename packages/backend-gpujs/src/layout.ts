// Slice and concat along any axis as index-remapping kernels: each output fragment computes its
// source index from its flat index. Any axis of any rank is the middle axis of a 3-D view
// [outer, n, inner] (outer = product of the axes before, inner = of the axes after), and within
// one outer block every slice or part is a contiguous run of (extent · inner) floats, so one
// division per fragment finds it.
import { release, share, type Engine, type Storage } from './engine.js';
import { floorDiv } from './index-math.js';

/** The 3-D view [outer, n, inner] of `shape` around `axis`. */
export function around(shape: readonly number[], axis: number): [outer: number, n: number, inner: number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i] as number;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i] as number;
  return [outer, shape[axis] as number, inner];
}

/**
 * x: [outer, n, inner] → [outer, size, inner], entries start … start+size−1 of the middle axis.
 * `start` is a uniform, not a compiled constant: the generic recurrent loop slices step t of
 * [B, T, I] at every t, and one program serves them all.
 */
export function slice(e: Engine, x: Storage, outer: number, n: number, inner: number, start: number, size: number): Storage {
  return e.run(
    {
      key: `slice:${outer}:${n}:${inner}:${size}`,
      size: outer * size * inner,
      constants: { RUN: size * inner, ROW: n * inner, INNER: inner },
      source: `function (x, start) {
        const i = this.thread.x;
        ${floorDiv('o', 'i', 'this.constants.RUN')}
        return x[o * this.constants.ROW + start * this.constants.INNER + (i - o * this.constants.RUN)];
      }`,
    },
    [x, start],
  );
}

/**
 * Parts one join kernel reads: texture units are the limit (WebGL 1 guarantees 8), and unit 15
 * is not ours: gpu.js binds every fresh output texture of an immutable kernel there
 * (gl/texture/index.js, selectTexture), so a 16th argument would read the kernel's own output
 * from its second call on.
 */
function joinSlots(e: Engine): number {
  return Math.max(2, Math.min(e.textureUnits, 15));
}

const joinSources = new Map<number, string>();

/** The join kernel for `count` parts (sources are cached: building them per call is waste). */
function joinSource(count: number): string {
  let src = joinSources.get(count);
  if (src === undefined) {
    const names = Array.from({ length: count }, (_, p) => `p${p}`);
    // part p covers [E{p}, E{p+1}) of an outer block's W floats; its own rows are R{p} wide
    const pick = names
      .map((name, p) => {
        const read = `${name}[o * this.constants.R${p} + (r - this.constants.E${p})]`;
        return p < count - 1 ? `if (r < this.constants.E${p + 1}) { return ${read}; }` : `return ${read};`;
      })
      .join('\n        ');
    src = `function (${names.join(', ')}) {
        const i = this.thread.x;
        ${floorDiv('o', 'i', 'this.constants.W')}
        const r = i - o * this.constants.W;
        ${pick}
      }`;
    joinSources.set(count, src);
  }
  return src;
}

/** parts[p]: [outer, sizes[p], inner] (2 ≤ count ≤ joinSlots) → [outer, Σ sizes, inner] */
function join(e: Engine, parts: readonly Storage[], sizes: readonly number[], outer: number, inner: number): Storage {
  const constants: Record<string, number> = {};
  let at = 0;
  sizes.forEach((s, p) => {
    constants[`E${p}`] = at;
    constants[`R${p}`] = s * inner;
    at += s * inner;
  });
  constants.W = at;
  return e.run({ key: `concat:${outer}:${inner}:${sizes.join(',')}`, size: outer * at, constants, source: joinSource(parts.length) }, parts);
}

/**
 * parts[p]: [outer, sizes[p], inner] → [outer, Σ sizes, inner], a new storage the caller owns.
 * More parts than one kernel may read (the generic loop joins T steps) are joined as a tree:
 * groups of up to `joinSlots` parts, then the groups, so each float is written ⌈log_slots n⌉
 * times. Parts of extent 0 contribute nothing and are skipped.
 */
export function concat(e: Engine, parts: readonly Storage[], sizes: readonly number[], outer: number, inner: number): Storage {
  const slots = joinSlots(e);
  let items = parts.map((s, p) => ({ s, size: sizes[p] as number, owned: false })).filter((it) => it.size > 0);
  if (items.length === 0) throw new Error('gpujs: concat of empty parts only (the caller handles empty results)');
  while (items.length > 1) {
    const next: typeof items = [];
    for (let first = 0; first < items.length; first += slots) {
      const group = items.slice(first, first + slots);
      if (group.length === 1) {
        next.push(group[0]!);
        continue;
      }
      const sizesOf = group.map((g) => g.size);
      next.push({ s: join(e, group.map((g) => g.s), sizesOf, outer, inner), size: sizesOf.reduce((a, b) => a + b, 0), owned: true });
      for (const g of group) if (g.owned) release(g.s);
    }
    items = next;
  }
  const only = items[0]!;
  // One part: the result shares its (immutable) data, as reshape does.
  return only.owned ? only.s : share(only.s);
}
