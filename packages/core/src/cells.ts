// Canonical recurrent cells. Every backend computes exactly these equations, on weights in
// PyTorch's layout (`weight_ih_l{k}: [G·H, I]`, `weight_hh_l{k}: [G·H, H]`, `bias_ih_l{k}`,
// `bias_hh_l{k}: [G·H]`), so a checkpoint maps one-to-one onto a PyTorch state_dict.
//
// RNN (Elman):  h' = act(W_ih x + b_ih + W_hh h + b_hh), act = tanh | relu
// LSTM (i,f,g,o): i = σ(·) f = σ(·) g = tanh(·) o = σ(·); c' = f⊙c + i⊙g; h' = o⊙tanh(c')
// GRU (r,z,n):  r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
//   resetAfter true (PyTorch/cuDNN/Keras default): n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn))
//   resetAfter false (original, ONNX default):     n = tanh(W_in x + b_in + W_hn (r⊙h) + b_hn)
//   h' = (1−z)⊙n + z⊙h

export type RnnNonlinearity = 'tanh' | 'relu';

export type CellSpec =
  | { readonly kind: 'rnn'; readonly nonlinearity: RnnNonlinearity }
  | { readonly kind: 'lstm' }
  | { readonly kind: 'gru'; readonly resetAfter: boolean };

export type CellKind = CellSpec['kind'];

/** Number of gate blocks G stacked in the weight matrices' first axis. */
export function gateCount(kind: CellKind): number {
  switch (kind) {
    case 'rnn':
      return 1;
    case 'lstm':
      return 4;
    case 'gru':
      return 3;
  }
}

/** Gate names in the order their blocks appear in the weights (PyTorch order). */
export function gateOrder(kind: CellKind): readonly string[] {
  switch (kind) {
    case 'rnn':
      return ['h'];
    case 'lstm':
      return ['i', 'f', 'g', 'o'];
    case 'gru':
      return ['r', 'z', 'n'];
  }
}

/** Whether the cell carries a cell state `c` beside `h`. */
export function hasCellState(kind: CellKind): boolean {
  return kind === 'lstm';
}

/** Human-readable cell description, e.g. `gru(resetAfter)`. */
export function describeCell(cell: CellSpec): string {
  switch (cell.kind) {
    case 'rnn':
      return `rnn(${cell.nonlinearity})`;
    case 'lstm':
      return 'lstm';
    case 'gru':
      return cell.resetAfter ? 'gru(resetAfter)' : 'gru(resetBefore)';
  }
}
