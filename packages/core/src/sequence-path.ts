// The sequence path: a cell's whole-sequence form (`CellDefinition.sequence`, e.g. minGRU's one
// product over [B·T, I] and a linear scan) run as one layer direction, with the same contract
// as a fused kernel: lengths, reverse, initial and final states, and a Saved independent of
// every handle the caller holds.
import type { Backend, FusedBackwardArgs, FusedForwardResult, Tensor } from './backend.js';
import type { CellConfig, CellDefinition, CellParams, CellSizes } from './cells/cell.js';
import type { GenericForwardArgs } from './recurrent-loop.js';
import { TrackingOps } from './tracking-ops.js';

export interface SequenceSaved {
  readonly kind: 'sequence';
  readonly def: CellDefinition;
  readonly cell: CellConfig;
  readonly params: CellParams;
  /** Own copies of x (padded steps zeroed) and of the initial states. */
  readonly x: Tensor;
  readonly states: readonly Tensor[];
  readonly cache: readonly Tensor[];
  readonly mask: Tensor | undefined;
  /** The mask in x's shape, when there is padding. */
  readonly xMask: Tensor | undefined;
  readonly reverse: boolean;
  readonly stateShapes: readonly (readonly number[])[];
  readonly owned: Set<Tensor>;
}

/** [B, T, ...shape] of 1 at valid steps and 0 at padded ones; undefined when nothing is padded. */
function sequenceMask(b: Backend, lengths: Int32Array | undefined, T: number, shape: readonly number[]): Tensor | undefined {
  if (!lengths || lengths.every((l) => l === T)) return undefined;
  const B = lengths.length;
  const per = shape.reduce((a, c) => a * c, 1);
  const m = new Float32Array(B * T * per);
  for (let s = 0; s < B; s++) m.fill(1, s * T * per, (s * T + lengths[s]!) * per);
  return b.tensor(m, [B, T, ...shape], 'float32');
}

export async function sequenceForward(
  b: Backend,
  def: CellDefinition,
  cell: CellConfig,
  sizes: CellSizes,
  params: CellParams,
  args: GenericForwardArgs,
): Promise<FusedForwardResult & { saved?: SequenceSaved | undefined }> {
  const form = def.sequence!;
  const [B, T] = args.x.shape as [number, number];
  const stateShapes = def.states(cell, sizes).map((s) => s.shape);
  const ops = new TrackingOps(b);
  const states: Tensor[] = [];
  for (const [j, shape] of stateShapes.entries()) {
    const given = args.states?.[j];
    states.push(given ? await ops.affine(given, 1, 0) : ops.adopt(b.zeros([B, ...shape])));
  }
  const maskT = sequenceMask(b, args.lengths, T, stateShapes[0]!);
  const mask = maskT && ops.adopt(maskT);
  const xMaskT = sequenceMask(b, args.lengths, T, args.x.shape.slice(2));
  const xMask = xMaskT && ops.adopt(xMaskT);
  // Padded steps see x = 0, as on the generic path: garbage there must not overflow into NaN.
  const x = xMask ? await ops.mul(xMask, args.x) : await ops.affine(args.x, 1, 0);
  const r = await form.forward(ops, cell, params, x, states, mask, args.reverse);
  if (!args.training) {
    ops.release([r.y, ...r.states]);
    return { y: r.y, states: r.states };
  }
  const owned = new Set<Tensor>([x, ...states, ...r.cache, ...(mask ? [mask] : []), ...(xMask ? [xMask] : [])]);
  ops.release([...owned, r.y, ...r.states]);
  const saved: SequenceSaved = { kind: 'sequence', def, cell, params, x, states, cache: r.cache, mask, xMask, reverse: args.reverse, stateShapes, owned };
  return { y: r.y, states: r.states, saved };
}

export async function sequenceBackward(b: Backend, saved: SequenceSaved, args: Omit<FusedBackwardArgs, 'saved'>) {
  const ops = new TrackingOps(b);
  const B = saved.x.shape[0]!;
  const dStates = saved.stateShapes.map((shape, j) => args.dStates?.[j] ?? ops.adopt(b.zeros([B, ...shape])));
  const r = await saved.def.sequence!.backward(ops, saved.cell, saved.params, saved.x, saved.states, saved.cache, saved.mask, saved.reverse, args.dy, dStates);
  const dx = saved.xMask ? await ops.mul(saved.xMask, r.dx) : r.dx;
  ops.release([dx, ...r.dStates, ...r.grads.values()]);
  return { ...r, dx };
}

export function disposeSequenceSaved(b: Backend, saved: SequenceSaved): void {
  saved.owned.forEach((t) => b.dispose(t));
  saved.owned.clear();
}
