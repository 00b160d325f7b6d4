// The affine map every classic cell starts from, and its backward.
import type { Tensor } from '../backend.js';
import type { CellOps } from './cell.js';

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
