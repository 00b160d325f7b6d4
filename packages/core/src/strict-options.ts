// Options rnnkit does not implement are errors, never no-ops: every options object a user passes
// (layers, models, training calls, optimizers) goes through `checkOptions`, and names people
// bring from PyTorch or Keras get a pointer to what rnnkit does instead.

/** What to do instead, for option names from PyTorch and Keras that rnnkit does not take. */
const ADVICE: Readonly<Record<string, string>> = {
  batchFirst: 'rnnkit is always batch-first: x is [B, T, ...]',
  batch_first: 'rnnkit is always batch-first: x is [B, T, ...]',
  bias: 'recurrent cells always have their biases (PyTorch bias=True); dense layers always have one',
  useBias: 'recurrent cells always have their biases; dense layers always have one',
  units: 'recurrent layers take hiddenSize (dense layers take units)',
  hidden_size: 'use hiddenSize',
  input_size: 'use inputSize',
  num_layers: 'use numLayers',
  proj_size: 'use layers.lstm({ projSize })',
  returnState: 'model.forward(x) returns every layer\'s final states',
  return_sequences: 'use returnSequences',
  goBackwards: 'use bidirectional: true (reverse-only layers are not supported)',
  initialStates: 'initial states are per batch: give them to trainStep, gradients or forward, or pass an encoder\'s states with encoderDecoder',
  stateful: 'carry states yourself with model.forward(x, { initialStates }) or stream(model)',
  recurrentDropout: 'only dropout between stacked layers (PyTorch semantics) is supported',
  steps_per_epoch: 'fit runs over the whole data set each epoch',
  stepsPerEpoch: 'fit runs over the whole data set each epoch',
  verbose: 'use callbacks (onBatchEnd, onEpochEnd) to report progress',
  amsgrad: 'AMSGrad is not supported',
  maximize: 'minimise the negated loss instead',
  betas: 'use beta1 and beta2',
  weight_decay: 'use weightDecay',
  padding_idx: 'use layers.embedding({ ..., paddingIdx })',
  maskZero: 'give the data lengths: lengthsFromPadding(x, 0) (recurrent layers skip post-padding by lengths)',
  mask_zero: 'give the data lengths: lengthsFromPadding(x, 0) (recurrent layers skip post-padding by lengths)',
  validation_split: 'use validationSplit',
  initial_epoch: 'use initialEpoch',
  restore_best_weights: 'use restoreBest',
  min_delta: 'use minDelta',
  min_lr: 'use minLr',
  step_size: 'use stepSize',
  T_max: 'use tMax',
  eta_min: 'use etaMin',
};

/** Throws naming the first key of `options` that is not in `known` (undefined values count as absent). */
export function checkOptions(options: unknown, known: readonly string[], where: string): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${where}: expected an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || known.includes(key)) continue;
    const advice = Object.hasOwn(ADVICE, key) ? `: ${ADVICE[key]}` : '';
    throw new Error(`${where}: unknown option '${key}'${advice} (it takes ${known.length ? known.join(', ') : 'no options'})`);
  }
}
