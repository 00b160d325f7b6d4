// model.py for an rnnkit model: an nn.Module whose state_dict has exactly the model's names
// (nn.Sequential's layer-index prefixes, `0.weight_ih_l0`), so rnnkit's stateDict loads into it with
// load_state_dict(strict=True) and its trained state_dict loads back into rnnkit strictly.
// PyTorch's own nn.RNN / nn.LSTM / nn.GRU where PyTorch defines the cell; rnnkit_cells.Recurrent
// (written from shared/CELLS.md) for the rest. Anything else is an error naming it: no code is
// emitted for a layer or option this file does not know.
import type { LayerSpec, RecurrentSpec } from '@rnnkit/core';
import { recurrentConfig } from '@rnnkit/core/internal';

/** What the generator reads from a model: its layer specs and each layer's input features and parameters. */
export interface ModelLayout {
  readonly specs: readonly LayerSpec[];
  readonly layers: readonly { readonly input: { readonly features?: number; readonly kind: string }; readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[] }[];
}

/** Cells this exporter writes, and the cell options each one reproduces. */
export const EXPORTABLE_CELLS: Readonly<Record<string, readonly string[]>> = {
  rnn: ['nonlinearity'],
  // unitForgetBias only sets the initial forget bias: the exported state_dict carries it.
  lstm: ['unitForgetBias', 'projSize', 'peephole', 'layerNorm'],
  gru: ['resetAfter'],
  ctrnn: ['alpha', 'nonlinearity'],
  jordan: ['outputSize', 'nonlinearity'],
  minGru: [],
  minLstm: [],
  convLstm: ['kernelSize', 'unitForgetBias'],
};

const SPEC_FIELDS: Readonly<Record<LayerSpec['type'], readonly string[]>> = {
  embedding: ['type', 'inputDim', 'outputDim', 'paddingIdx', 'trainable'],
  dense: ['type', 'inputSize', 'units', 'trainable'],
  recurrent: ['type', 'cell', 'inputSize', 'hiddenSize', 'numLayers', 'bidirectional', 'returnSequences', 'dropout', 'options', 'trainable'],
};

/** A JSON value as a Python literal. */
export function pyLiteral(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`pyLiteral: expected a finite number, got ${v}`);
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x)}`).join(', ')}}`;
}

interface Emitted {
  readonly init: string;
  readonly forward: string[];
}

function recurrentLayer(spec: RecurrentSpec, index: number, layout: ModelLayout['layers'][number]): Emitted {
  const where = `exportTorch: layer ${index} (${spec.cell})`;
  const known = EXPORTABLE_CELLS[spec.cell];
  if (!known) throw new Error(`${where}: cell '${spec.cell}' has no PyTorch form in @rnnkit/torch (exportable cells: ${Object.keys(EXPORTABLE_CELLS).join(', ')})`);
  const inputSize = layout.input.features;
  if (inputSize === undefined) throw new Error(`${where}: the layer's input size is unknown`);
  const cfg = recurrentConfig(spec, inputSize, `layer ${index} (${spec.cell})`);
  const cell = cfg.cell as Record<string, unknown>;
  for (const key of Object.keys(cell)) {
    if (key !== 'kind' && cell[key] !== undefined && !known.includes(key)) throw new Error(`${where}: option '${key}' is not reproduced by the PyTorch export (${spec.cell} exports ${known.join(', ') || 'no options'})`);
  }
  const m = `m['${index}']`;
  const common = `num_layers=${spec.numLayers}, bidirectional=${pyLiteral(spec.bidirectional)}, dropout=${spec.dropout}`;
  const D = spec.bidirectional ? 2 : 1;
  const builtin = (ctor: string, extra: string, lstm: boolean): Emitted => ({
    init: `${ctor}(${inputSize}, ${spec.hiddenSize}, ${common}${extra}, batch_first=True)`,
    forward: [
      `y, st = ${m}(x)`,
      // h_n: [numLayers·D, B, O]; rnnkit's last-step output is the last layer's, forward ‖ reverse.
      spec.returnSequences ? 'x = y' : `h = st[0] if ${pyLiteral(lstm)} else st\n        x = ${D === 2 ? 'torch.cat([h[-2], h[-1]], 1)' : 'h[-1]'}`,
    ],
  });
  const handWritten = (kind: string, options: Record<string, unknown>): Emitted => {
    const shapes = Object.fromEntries(layout.params.map((p) => [p.name, [...p.shape]]));
    return {
      init: `rnnkit_cells.Recurrent(${pyLiteral(kind)}, ${pyLiteral(options)}, ${pyLiteral(shapes)}, ${common})`,
      forward: [`y, last = ${m}(x)`, spec.returnSequences ? 'x = y' : 'x = last'],
    };
  };
  switch (spec.cell) {
    case 'rnn':
      return builtin('nn.RNN', `, nonlinearity=${pyLiteral(cell.nonlinearity)}`, false);
    case 'lstm':
      if (cell.peephole) return handWritten('lstmPeephole', {});
      if (cell.layerNorm) return handWritten('lstmLayerNorm', {});
      return builtin('nn.LSTM', cell.projSize !== undefined ? `, proj_size=${cell.projSize as number}` : '', true);
    case 'gru':
      return cell.resetAfter ? builtin('nn.GRU', '', false) : handWritten('gru', {});
    case 'ctrnn':
      return handWritten('ctrnn', { alpha: cell.alpha, nonlinearity: cell.nonlinearity });
    case 'jordan':
      return handWritten('jordan', { nonlinearity: cell.nonlinearity });
    case 'convLstm':
      return handWritten('convLstm', { kernelSize: cell.kernelSize });
    default:
      return handWritten(spec.cell, {});
  }
}

/** The source of model.py. */
export function torchModelSource(model: ModelLayout): string {
  const emitted: Emitted[] = model.specs.map((spec, i) => {
    const fields = SPEC_FIELDS[spec.type];
    if (!fields) throw new Error(`exportTorch: layer ${i}: type '${(spec as { type: string }).type}' has no PyTorch form (exportable: embedding, recurrent, dense)`);
    for (const key of Object.keys(spec)) {
      if (!fields.includes(key) && (spec as unknown as Record<string, unknown>)[key] !== undefined) throw new Error(`exportTorch: layer ${i} (${spec.type}): option '${key}' is not reproduced by the PyTorch export`);
    }
    const layout = model.layers[i]!;
    switch (spec.type) {
      case 'embedding':
        return {
          init: `nn.Embedding(${spec.inputDim}, ${spec.outputDim}${spec.paddingIdx !== undefined ? `, padding_idx=${spec.paddingIdx}` : ''})`,
          forward: [`x = m['${i}'](x)`],
        };
      case 'dense': {
        const inSize = layout.params.find((p) => p.name === 'weight')!.shape[1]!;
        return { init: `nn.Linear(${inSize}, ${spec.units})`, forward: [`x = m['${i}'](x)`] };
      }
      case 'recurrent':
        return recurrentLayer(spec, i, layout);
    }
  });
  const summary = model.specs.map((s, i) => `#   ${i}: ${s.type === 'recurrent' ? `${s.cell} ${JSON.stringify(s.options)} hidden ${s.hiddenSize} × ${s.numLayers}${s.bidirectional ? ' bidirectional' : ''}${s.returnSequences ? ', every step' : ', last step'}` : s.type}`);
  return [
    '# Generated by @rnnkit/torch from an rnnkit model; its state_dict names are the rnnkit model\'s.',
    ...summary,
    'import torch',
    'from torch import nn',
    '',
    'import rnnkit_cells',
    '',
    '',
    'class Model(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    // Registered under '0', '1', ... as nn.Sequential would, so parameter names match rnnkit's.
    ...emitted.map((e, i) => `        self.add_module('${i}', ${e.init})`),
    '',
    '    def forward(self, x):',
    '        m = self._modules',
    ...emitted.flatMap((e) => e.forward.map((line) => `        ${line}`)),
    '        return x',
    '',
  ].join('\n');
}
