// The affine map every classic cell starts from, and its backward.
import type { Tensor } from '../backend.js';
import type { CellOps, CellParams } from './cell.js';
import { param } from './cell.js';

/** x: [B, K], w: [N, K], b: [N] → x wᵀ + b: [B, N] */
export async function linear(ops: CellOps, x: Tensor, w: Tensor, b: Tensor | undefined): Promise<Tensor> {
  const y = await ops.matmul(x, w, false, true);
  return b ? ops.addRow(y, b) : y;
}

/** dy: [B, N] of y = x wᵀ (+ b) → dx: [B, K], dw: [N, K], db: [N] */
export async function linearBackward(ops: CellOps, x: Tensor, w: Tensor, dy: Tensor): Promise<{ dx: Tensor; dw: Tensor; db: Tensor }> {
  return { dx: await ops.matmul(dy, w, false, false), dw: await ops.matmul(dy, x, true, false), db: await ops.sumRows(dy) };
}

/** Splits [B, G·H] into G blocks of [B, H] along the feature axis. */
export async function blocks(ops: CellOps, x: Tensor, count: number): Promise<Tensor[]> {
  const H = x.shape[1]! / count;
  const out: Tensor[] = [];
  for (let g = 0; g < count; g++) out.push(await ops.slice(x, 1, g * H, H));
  return out;
}

/** x: [B, N], row: [N] → x ⊙ row on every row (peephole and layer-norm gains). */
export async function mulRow(ops: CellOps, x: Tensor, row: Tensor): Promise<Tensor> {
  // The row broadcast as a [B, N] tensor: zeros shaped like x, plus the row.
  return ops.mul(x, await ops.addRow(await ops.affine(x, 0, 0), row));
}

/** t: [B, O, H, W] → [O], the sum over batch and both spatial axes (a conv bias gradient). */
export async function channelSums(ops: CellOps, t: Tensor): Promise<Tensor> {
  const [B, O, H, W] = t.shape as [number, number, number, number];
  const perChannel = await ops.reshape(await ops.sumRows(await ops.reshape(t, [B, O * H * W])), [O, H * W]);
  // Σ over the HW columns as a product with a ones column made from the tensor itself.
  const ones = await ops.affine(await ops.reshape(await ops.slice(perChannel, 0, 0, 1), [H * W, 1]), 0, 1);
  return ops.reshape(await ops.matmul(perChannel, ones, false, false), [O]);
}

/** W_ih x + b_ih + W_hh s + b_hh: the gate pre-activations of every cell with the classic four parameters (s the carried state). */
export async function classicPre(ops: CellOps, p: CellParams, x: Tensor, s: Tensor): Promise<Tensor> {
  return ops.add(await linear(ops, x, param(p, 'weight_ih'), param(p, 'bias_ih')), await linear(ops, s, param(p, 'weight_hh'), param(p, 'bias_hh')));
}

/** dPre of `classicPre` → dx, ds and the four parameters' gradients. */
export async function classicPreBackward(ops: CellOps, p: CellParams, x: Tensor, s: Tensor, dPre: Tensor): Promise<{ dx: Tensor; ds: Tensor; grads: Map<string, Tensor> }> {
  const gi = await linearBackward(ops, x, param(p, 'weight_ih'), dPre);
  const gh = await linearBackward(ops, s, param(p, 'weight_hh'), dPre);
  const grads = new Map([
    ['weight_ih', gi.dw],
    ['weight_hh', gh.dw],
    ['bias_ih', gi.db],
    ['bias_hh', gh.db],
  ]);
  return { dx: gi.dx, ds: gh.dx, grads };
}
