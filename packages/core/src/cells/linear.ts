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
