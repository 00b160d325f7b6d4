// Whole-step graphs: one ONNX graph for a whole training step of a model (forward with what backward
// needs, loss, backward, gradient clipping, optimizer update), and one for the whole model's inference
// forward. Weights and optimizer slots are graph inputs, their updated values graph outputs, so one
// session serves every step; the step's lr and bias corrections are scalar inputs.
//
// Models: [embedding] → recurrent layers of the classic cells (rnn, lstm, gru; stacked, bidirectional,
// lengths) with the last one returning its final states → dense layers. Every recurrent layer direction
// runs forward on the native operator and backward on the generated graph of recurrent-graph.ts
// (`addBackwardNodes`), everything time-major [T, B, ·] between them.
//
// Names: inputs `x` ([B, T, I] float32) or `ids` ([B, T] int32), `lengths` [B] int32, `y` (targets),
// every parameter by state_dict name (`1.weight_ih_l0`), its slots `m:<name>` / `v:<name>`, scalars;
// outputs `output` (the model's output), `loss` [], `new:<name>`, `new_m:<name>`, `new_v:<name>`.

import { cellDefinition, classicCell, gateCount, type CellSpec, type LayerSpec, type TrainStepPlan, type WholeModelPlan } from '@rnnkit/core';
import { FLOAT, GraphBuilder, INT32, INT64, type GraphProto } from './onnx-graph.js';
import { addBackwardNodes, addRecurrentNode, reorderBlocks, type GraphCell } from './recurrent-graph.js';

interface RecurrentPart {
  readonly index: number;
  readonly cell: CellSpec;
  readonly inputSize: number;
  readonly H: number;
  readonly numLayers: number;
  readonly D: number;
}

/** The model's structure, when a whole-step graph computes it; undefined otherwise (the plain path runs). */
export interface ModelShape {
  readonly embedding?: { readonly V: number; readonly E: number; readonly paddingIdx: number | undefined } | undefined;
  readonly recurrent: readonly RecurrentPart[];
  readonly dense: readonly { readonly index: number; readonly I: number; readonly U: number }[];
  readonly B: number;
  readonly T: number;
  /** The model's output features ([B, F]). */
  readonly outFeatures: number;
}

/** What whole-step graphs compute: see the header. */
/** `training`: dropout between stacked layers draws core's RNG, which no graph can match; inference has none. */
export function modelShape(plan: WholeModelPlan, training = true): ModelShape | undefined {
  const specs: readonly LayerSpec[] = plan.layers;
  const [B, T] = plan.inputShape as [number, number];
  let k = 0;
  let features = 0;
  let embedding: ModelShape['embedding'];
  if (specs[0]?.type === 'embedding') {
    if (plan.inputShape.length !== 2) return undefined;
    embedding = { V: specs[0].inputDim, E: specs[0].outputDim, paddingIdx: specs[0].paddingIdx };
    features = specs[0].outputDim;
    k = 1;
  } else {
    if (plan.inputShape.length !== 3) return undefined;
    features = plan.inputShape[2]!;
  }
  const recurrent: RecurrentPart[] = [];
  for (; k < specs.length && specs[k]!.type === 'recurrent'; k++) {
    const s = specs[k] as Extract<LayerSpec, { type: 'recurrent' }>;
    if (training && s.dropout > 0) return undefined;
    let cell: CellSpec | undefined;
    try {
      cell = classicCell(cellDefinition(s.cell).configure(s.options, `layers[${k}]`));
    } catch {
      return undefined;
    }
    if (!cell) return undefined;
    const last = k + 1 >= specs.length || specs[k + 1]!.type !== 'recurrent';
    // Every recurrent layer but the last feeds the next its sequence; the last returns its final states.
    if (s.returnSequences === last) return undefined;
    const D = s.bidirectional ? 2 : 1;
    recurrent.push({ index: k, cell, inputSize: features, H: s.hiddenSize, numLayers: s.numLayers, D });
    features = D * s.hiddenSize;
  }
  if (recurrent.length === 0) return undefined;
  const dense: ModelShape['dense'][number][] = [];
  for (; k < specs.length; k++) {
    const s = specs[k]!;
    if (s.type !== 'dense') return undefined;
    dense.push({ index: k, I: features, U: s.units });
    features = s.units;
  }
  return { embedding, recurrent, dense, B, T, outFeatures: features };
}

const suffix = (l: number, d: number): string => `_l${l}${d === 1 ? '_reverse' : ''}`;

/** One direction's forward record: what its backward reads. */
interface DirectionRecord {
  readonly part: RecurrentPart;
  readonly l: number;
  readonly d: number;
  /** X: [T, B, I_l], Y: [T, B, H] time-major */
  readonly X: string;
  readonly Y: string;
  readonly names: { readonly w_ih: string; readonly w_hh: string; readonly b_ih: string; readonly b_hh: string };
}

interface ForwardRecord {
  readonly output: string;
  readonly directions: DirectionRecord[];
  /** ids time-major [T, B] (embedding models) */
  readonly idsTm: string;
  /** every dense layer's input, [B, I] */
  readonly denseInputs: string[];
}

/** Inputs x/ids and lengths, then the forward. Shapes are fixed: one graph per batch shape. */
function addForward(g: GraphBuilder, m: ModelShape, lengths: boolean): ForwardRecord {
  const { B, T } = m;
  const seqLens = lengths ? g.input('lengths', INT32, [B]) : '';
  let X: string; // [T, B, F]
  let idsTm = '';
  if (m.embedding) {
    g.input('ids', INT32, [B, T]);
    g.input('0.weight', FLOAT, [m.embedding.V, m.embedding.E]);
    idsTm = g.op('Transpose', ['ids'], { perm: [1, 0] });
    X = g.op('Gather', ['0.weight', idsTm], { axis: 0 });
  } else {
    g.input('x', FLOAT, [B, T, m.recurrent[0]!.inputSize]);
    X = g.op('Transpose', ['x'], { perm: [1, 0, 2] });
  }
  const axis0 = g.int64s([0]);
  const directions: DirectionRecord[] = [];
  let value = X;
  for (const part of m.recurrent) {
    const G = gateCount(part.cell.kind);
    const GH = G * part.H;
    const finals: string[] = [];
    for (let l = 0; l < part.numLayers; l++) {
      const I = l === 0 ? part.inputSize : part.D * part.H;
      const ys: string[] = [];
      finals.length = 0;
      for (let d = 0; d < part.D; d++) {
        const p = (name: string) => `${part.index}.${name}${suffix(l, d)}`;
        const names = { w_ih: p('weight_ih'), w_hh: p('weight_hh'), b_ih: p('bias_ih'), b_hh: p('bias_hh') };
        g.input(names.w_ih, FLOAT, [GH, I]);
        g.input(names.w_hh, FLOAT, [GH, part.H]);
        g.input(names.b_ih, FLOAT, [GH]);
        g.input(names.b_hh, FLOAT, [GH]);
        const W = g.op('Unsqueeze', [reorderBlocks(g, names.w_ih, part.cell), axis0]);
        const R = g.op('Unsqueeze', [reorderBlocks(g, names.w_hh, part.cell), axis0]);
        const Bias = g.op('Unsqueeze', [g.op('Concat', [reorderBlocks(g, names.b_ih, part.cell), reorderBlocks(g, names.b_hh, part.cell)], { axis: 0 }), axis0]);
        const r = addRecurrentNode(g, part.cell, part.H, d === 1, { X: value, W, R, Bias, seqLens, h0u: '', c0u: '' });
        const Y = g.op('Squeeze', [r.Y, g.int64s([1])]); // [T, B, H]
        ys.push(Y);
        finals.push(g.op('Squeeze', [r.Yh, axis0])); // [B, H]
        directions.push({ part, l, d, X: value, Y, names });
      }
      value = part.D === 2 ? g.op('Concat', ys, { axis: 2 }) : ys[0]!;
    }
    // the last recurrent layer: its final states, forward ‖ reverse
    if (part === m.recurrent[m.recurrent.length - 1]) value = part.D === 2 ? g.op('Concat', finals, { axis: 1 }) : finals[0]!;
  }
  const denseInputs: string[] = [];
  for (const dl of m.dense) {
    g.input(`${dl.index}.weight`, FLOAT, [dl.U, dl.I]);
    g.input(`${dl.index}.bias`, FLOAT, [dl.U]);
    denseInputs.push(value);
    value = g.op('Gemm', [value, `${dl.index}.weight`, `${dl.index}.bias`], { transB: 1 }); // [B, U]
  }
  return { output: value, directions, idsTm, denseInputs };
}

/** The whole model's inference forward: inputs as above, output `output` [B, F]. */
export function buildInferenceGraph(m: ModelShape, lengths: boolean): GraphProto {
  const g = new GraphBuilder('rnnkit_inference');
  const f = addForward(g, m, lengths);
  g.node('Identity', [f.output], ['output']);
  g.output('output', FLOAT, [m.B, m.outFeatures]);
  return g.graph();
}

/** Scalar inputs each optimizer's graph reads per step, computed on the host in float64. */
export function stepScalars(plan: TrainStepPlan, lr: number, step: number, first: boolean): Record<string, number> {
  const o = plan.optimizer;
  switch (o.type) {
    case 'adam':
    case 'adamw': {
      const bc1 = 1 - Math.pow(o.beta1, step);
      const bc2 = 1 - Math.pow(o.beta2, step);
      return { step_size: lr / bc1, bc2_sqrt: Math.sqrt(bc2), decay: o.type === 'adamw' ? 1 - lr * o.weightDecay : 1 };
    }
    case 'sgd':
      return { lr, first: first ? 1 : 0 };
    case 'rmsprop':
      return { lr };
  }
}

/** Which of the two slots an optimizer reads and writes. */
export function usedSlots(plan: TrainStepPlan): readonly ('m' | 'v')[] {
  const o = plan.optimizer;
  if (o.type === 'sgd') return o.momentum !== 0 ? ['m'] : [];
  if (o.type === 'rmsprop') return o.momentum > 0 ? ['m', 'v'] : ['m'];
  return ['m', 'v'];
}

/** The training-step graph for `plan` (its model shape `m`). */
export function buildTrainStepGraph(plan: TrainStepPlan, m: ModelShape): GraphProto {
  const { B, T } = m;
  const g = new GraphBuilder('rnnkit_train_step');
  const f = addForward(g, m, plan.lengths);
  const F = m.outFeatures;
  const axis0 = g.int64s([0]);
  const c = (v: number): string => g.floats([v], []);

  // ---- loss and its gradient on the output [B, F] ----
  const classification = plan.loss === 'softmaxCrossEntropy';
  g.input('y', classification ? INT32 : FLOAT, plan.targetShape);
  let loss: string;
  let dOut: string; // [B, F]
  if (plan.loss === 'softmaxCrossEntropy') {
    // logits: [B, C], labels: [B] → mean_b (lse_b − z_{b, y_b}); grad (softmax − onehot) / B
    const logp = g.op('LogSoftmax', [f.output], { axis: 1 });
    const labels = g.op('Unsqueeze', ['y', g.int64s([1])]); // [B, 1]
    const picked = g.op('GatherElements', [logp, g.op('Cast', [labels], { to: INT64 })], { axis: 1 });
    loss = g.op('Neg', [g.op('ReduceMean', [picked], { keepdims: 0 })]);
    const onehot = g.op('Cast', [g.op('Equal', [labels, g.int32s(Array.from({ length: F }, (_, k) => k), [1, F])])], { to: FLOAT });
    dOut = g.op('Mul', [g.op('Sub', [g.op('Exp', [logp]), onehot]), c(1 / B)]);
  } else if (plan.loss === 'sigmoidBinaryCrossEntropy') {
    // z: [B, 1] or [B], t: [B] → mean(max(z, 0) − z t + log(1 + e^−|z|)); grad (σ(z) − t) / B
    const z = g.op('Reshape', [f.output, g.int64s([B])]);
    const t = g.op('Reshape', ['y', g.int64s([B])]);
    const per = g.op('Add', [g.op('Sub', [g.op('Relu', [z]), g.op('Mul', [z, t])]), g.op('Softplus', [g.op('Neg', [g.op('Abs', [z])])])]);
    loss = g.op('ReduceMean', [per], { keepdims: 0 });
    dOut = g.op('Reshape', [g.op('Mul', [g.op('Sub', [g.op('Sigmoid', [z]), t]), c(1 / B)]), g.int64s([B, F])]);
  } else {
    // meanSquaredError: p, t: [B, F] → mean((p − t)²); grad 2 (p − t) / (B·F)
    const diff = g.op('Sub', [f.output, g.op('Reshape', ['y', g.int64s([B, F])])]);
    loss = g.op('ReduceMean', [g.op('Mul', [diff, diff])], { keepdims: 0 });
    dOut = g.op('Mul', [diff, c(2 / (B * F))]);
  }

  // ---- backward ----
  const grads = new Map<string, string>();
  let d = dOut;
  for (let k = m.dense.length - 1; k >= 0; k--) {
    const dl = m.dense[k]!;
    grads.set(`${dl.index}.weight`, g.op('Gemm', [d, f.denseInputs[k]!], { transA: 1 })); // [U, I]
    grads.set(`${dl.index}.bias`, g.op('ReduceSum', [d, axis0], { keepdims: 0 }));
    d = g.op('MatMul', [d, `${dl.index}.weight`]); // [B, I]
  }
  const zeros = new Map<number, string>();
  const zerosBH = (H: number): string => {
    let z = zeros.get(H);
    if (!z) zeros.set(H, (z = g.floats(new Float32Array(B * H), [B, H])));
    return z;
  };
  const lengths = plan.lengths ? 'lengths' : g.int32s(new Array(B).fill(T), [B]);
  // dFinal: [B, D·H] of the last recurrent layer; dSeq: [T, B, D·H] gradient of a layer's sequence output
  let dFinal: string | undefined = d;
  let dSeq = '';
  for (let r = m.recurrent.length - 1; r >= 0; r--) {
    const part = m.recurrent[r]!;
    const H = part.H;
    for (let l = part.numLayers - 1; l >= 0; l--) {
      const top = l === part.numLayers - 1;
      const dFin = top && dFinal !== undefined ? (part.D === 2 ? (g.node('Split', [dFinal, g.int64s([H, H])], 2, { axis: 1 }) as string[]) : [dFinal]) : undefined;
      const dYs = dSeq === '' ? undefined : part.D === 2 ? (g.node('Split', [dSeq, g.int64s([H, H])], 2, { axis: 2 }) as string[]) : [dSeq];
      const dxs: string[] = [];
      for (let dir = 0; dir < part.D; dir++) {
        const rec = f.directions.find((x) => x.part === part && x.l === l && x.d === dir)!;
        const I = l === 0 ? part.inputSize : part.D * H;
        const lstm = part.cell.kind === 'lstm';
        const o = addBackwardNodes(g, part.cell as GraphCell, { B, T, I, H }, dir === 1, plan.lengths, true, {
          x: rec.X,
          y: rec.Y,
          h0: zerosBH(H),
          c0: lstm ? zerosBH(H) : '',
          lengths,
          ...rec.names,
          dy: dYs ? dYs[dir]! : '',
          dh_t: dFin ? dFin[dir]! : zerosBH(H),
          dc_t: lstm ? zerosBH(H) : '',
        });
        grads.set(rec.names.w_ih, o.dw_ih);
        grads.set(rec.names.w_hh, o.dw_hh);
        grads.set(rec.names.b_ih, o.db_ih);
        grads.set(rec.names.b_hh, o.db_hh);
        dxs.push(o.dx);
      }
      dSeq = dxs.length === 2 ? g.op('Add', dxs) : dxs[0]!; // [T, B, I]
    }
    dFinal = undefined;
  }
  if (m.embedding) {
    // dWeight[v] = Σ over (t, b) with ids = v of dX[t, b]: a ScatterND that adds duplicates
    const { V, E, paddingIdx } = m.embedding;
    const idx = g.op('Unsqueeze', [g.op('Cast', [f.idsTm], { to: INT64 }), g.int64s([2])]); // [T, B, 1]
    const base = g.op('ConstantOfShape', [g.int64s([V, E])], {});
    let dW = g.op('ScatterND', [base, idx, dSeq], { reduction: 'add' });
    if (paddingIdx !== undefined) {
      const keep = new Float32Array(V).fill(1);
      keep[paddingIdx] = 0;
      dW = g.op('Mul', [dW, g.floats(keep, [V, 1])]);
    }
    grads.set('0.weight', dW);
  }

  // ---- clipping: g ← g · min(1, clip / (‖g‖ + 1e-6)), the global norm over every gradient ----
  const names = plan.params.map((p) => p.name);
  for (const n of names) if (!grads.has(n)) throw new Error(`whole-step graph: no gradient for '${n}'`);
  if (plan.clipNorm !== undefined) {
    const sq = names.map((n) => g.op('ReduceSumSquare', [grads.get(n)!], { keepdims: 0 }));
    const norm = g.op('Sqrt', [sq.length === 1 ? sq[0]! : g.op('Sum', sq)]);
    const coef = g.op('Min', [g.op('Div', [c(plan.clipNorm), g.op('Add', [norm, c(1e-6)])]), c(1)]);
    for (const n of names) grads.set(n, g.op('Mul', [grads.get(n)!, coef]));
  }

  // ---- optimizer update (torch.optim, as @rnnkit/core/host's loops) ----
  const o = plan.optimizer;
  const used = usedSlots(plan);
  for (const name of Object.keys(stepScalars(plan, 0, 1, true))) g.input(name, FLOAT, []);
  const mul = (a: string, b: string): string => g.op('Mul', [a, b]);
  const add = (a: string, b: string): string => g.op('Add', [a, b]);
  const sub = (a: string, b: string): string => g.op('Sub', [a, b]);
  for (const p of plan.params) {
    const slot = (s: 'm' | 'v'): string => (used.includes(s) ? g.input(`${s}:${p.name}`, FLOAT, p.shape) : '');
    const m0 = slot('m');
    const v0 = slot('v');
    const grad = grads.get(p.name)!;
    const wd = o.type === 'adamw' ? 0 : o.weightDecay;
    const gg = wd !== 0 ? add(grad, mul(c(wd), p.name)) : grad;
    let next: string;
    const slotsOut: [string, string][] = [];
    if (o.type === 'adam' || o.type === 'adamw') {
      const pd = o.type === 'adamw' ? mul(p.name, 'decay') : p.name;
      const m1 = add(mul(c(o.beta1), m0), mul(c(1 - o.beta1), gg));
      const v1 = add(mul(c(o.beta2), v0), mul(c(1 - o.beta2), mul(gg, gg)));
      next = sub(pd, g.op('Div', [mul('step_size', m1), add(g.op('Div', [g.op('Sqrt', [v1]), 'bc2_sqrt']), c(o.eps))]));
      slotsOut.push(['m', m1], ['v', v1]);
    } else if (o.type === 'sgd') {
      let step = gg;
      if (o.momentum !== 0) {
        // buf = g on the first step, else momentum·buf + (1 − dampening)·g
        const later = add(mul(c(o.momentum), m0), mul(c(1 - o.dampening), gg));
        const buf = add(mul('first', gg), mul(sub(c(1), 'first'), later));
        slotsOut.push(['m', buf]);
        step = o.nesterov ? add(gg, mul(c(o.momentum), buf)) : buf;
      }
      next = sub(p.name, mul('lr', step));
    } else {
      const v1 = add(mul(c(o.alpha), m0), mul(c(1 - o.alpha), mul(gg, gg)));
      const avg = add(g.op('Sqrt', [v1]), c(o.eps));
      slotsOut.push(['m', v1]);
      if (o.momentum > 0) {
        const buf = add(mul(c(o.momentum), v0), g.op('Div', [gg, avg]));
        slotsOut.push(['v', buf]);
        next = sub(p.name, mul('lr', buf));
      } else next = sub(p.name, g.op('Div', [mul('lr', gg), avg]));
    }
    g.node('Identity', [next], [`new:${p.name}`]);
    g.output(`new:${p.name}`, FLOAT, p.shape);
    for (const [s, v] of slotsOut) {
      g.node('Identity', [v], [`new_${s}:${p.name}`]);
      g.output(`new_${s}:${p.name}`, FLOAT, p.shape);
    }
  }
  g.node('Identity', [loss], ['loss']);
  g.output('loss', FLOAT, []);
  g.node('Identity', [f.output], ['output']);
  g.output('output', FLOAT, [B, F]);
  return g.graph();
}
