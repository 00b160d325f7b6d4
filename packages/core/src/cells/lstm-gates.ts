// The LSTM's element-wise part, shared by every cell of the family that computes gate
// pre-activations its own way (the classic and projected LSTMs, ConvLSTM):
//   i, f, o = σ(·), g = tanh(·) of the blocks i, f, g, o of `pre` (axis 1: features or channels)
//   c' = f ⊙ c + i ⊙ g,  m = o ⊙ tanh(c')
import type { Tensor } from '../backend.js';
import type { CellOps, CellSizes, ParamDecl, StateDecl } from './cell.js';
import type { LstmCell } from './lstm.js';
import { blocks } from './linear.js';

export interface LstmGates {
  readonly i: Tensor;
  readonly f: Tensor;
  readonly g: Tensor;
  readonly o: Tensor;
  readonly cNext: Tensor;
  /** tanh(c') */
  readonly tc: Tensor;
  /** o ⊙ tanh(c'), the output before any projection */
  readonly m: Tensor;
}

/** pre: [B, 4H, ...], c: [B, H, ...] → the gates, c' and m, each [B, H, ...] */
export async function lstmGates(ops: CellOps, pre: Tensor, c: Tensor): Promise<LstmGates> {
  const [pi, pf, pg, po] = await blocks(ops, pre, 4);
  const i = await ops.activation('sigmoid', pi!);
  const f = await ops.activation('sigmoid', pf!);
  const g = await ops.activation('tanh', pg!);
  const o = await ops.activation('sigmoid', po!);
  const cNext = await ops.add(await ops.mul(f, c), await ops.mul(i, g));
  const tc = await ops.activation('tanh', cNext);
  return { i, f, g, o, cNext, tc, m: await ops.mul(o, tc) };
}

/**
 * dm: gradient of m = o ⊙ tanh(c'), dcNext: of c' from later steps → dPre: [B, 4H, ...] and
 * dc: [B, H, ...] of the previous cell state.
 */
export async function lstmGatesBackward(
  ops: CellOps,
  gates: Pick<LstmGates, 'i' | 'f' | 'g' | 'o' | 'tc'>,
  c: Tensor,
  dm: Tensor,
  dcNext: Tensor,
): Promise<{ dPre: Tensor; dc: Tensor }> {
  const { i, f, g, o, tc } = gates;
  // dc' = dc'(later) + dm ⊙ o ⊙ (1 − tanh²(c'))
  const dcn = await ops.add(dcNext, await ops.activationGrad('tanh', tc, await ops.mul(dm, o)));
  const dPre = await ops.concat(
    [
      await ops.activationGrad('sigmoid', i, await ops.mul(dcn, g)),
      await ops.activationGrad('sigmoid', f, await ops.mul(dcn, c)),
      await ops.activationGrad('tanh', g, await ops.mul(dcn, i)),
      await ops.activationGrad('sigmoid', o, await ops.mul(dm, tc)),
    ],
    1,
  );
  return { dPre, dc: await ops.mul(dcn, f) };
}

/** The forget slice [H, 2H) of bias_ih starts at 1 (a total forget bias of 1 = bias_ih 1 + bias_hh 0). */
export function forgetBiasOne(cell: LstmCell, { hiddenSize: H }: CellSizes, values: Map<string, Float32Array>): void {
  if (!cell.unitForgetBias) return;
  values.get('bias_ih')!.fill(1, H, 2 * H);
  values.get('bias_hh')!.fill(0, H, 2 * H);
}

/** The classic LSTM's parameters: weight_ih [4H, I], weight_hh [4H, H], biases [4H]. */
export function lstmParams({ inputSize: I, hiddenSize: H }: CellSizes): ParamDecl[] {
  return [
    { name: 'weight_ih', shape: [4 * H, I], role: 'input' },
    { name: 'weight_hh', shape: [4 * H, H], role: 'recurrent' },
    { name: 'bias_ih', shape: [4 * H], role: 'bias' },
    { name: 'bias_hh', shape: [4 * H], role: 'bias' },
  ];
}

/** h and c: [H] each. */
export function lstmStates({ hiddenSize: H }: CellSizes): StateDecl[] {
  return [
    { name: 'h', shape: [H] },
    { name: 'c', shape: [H] },
  ];
}
