// Losses: mean value and its gradient with respect to the first argument, in one pass.

import * as tf from '@tensorflow/tfjs-core';

// logits: [N, C]  labels: [N] int32  weights: [N] (0/1 mask) or absent
// → loss = Σ_n w_n·(−log softmax(logits_n)[label_n]) / Σ_n w_n,  grad = (softmax − onehot)·w_n / Σ w
// log-softmax through the row max keeps exp() from overflowing. With every weight 0 nothing is
// counted: loss and grad are 0 rather than 0/0.
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, weights: tf.Tensor | undefined): { loss: tf.Tensor; grad: tf.Tensor } {
  const [N = 0, C = 0] = logits.shape;
  const shifted = tf.sub(logits, tf.max(logits, 1, true));
  const logProb = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
  const oneHot = tf.cast(tf.oneHot(labels, C), 'float32');
  const nll = tf.neg(tf.sum(tf.mul(oneHot, logProb), 1)); // [N]
  const w = weights ?? tf.ones([N]);
  // w_n / Σ w; the floor (a float32 normal, unlike Number.MIN_VALUE) turns 0/0 into 0/tiny = 0.
  const scale = tf.div(w, tf.maximum(tf.sum(w), tf.scalar(1e-30)));
  const loss = tf.sum(tf.mul(nll, scale));
  const grad = tf.mul(tf.sub(tf.exp(logProb), oneHot), tf.reshape(scale, [N, 1]));
  return { loss, grad };
}

// logits, targets: [N]  →  loss = mean(max(x, 0) − x·t + log(1 + e^{−|x|})), grad = (σ(x) − t)/N
// (the log-sum-exp form never exponentiates a large positive number).
export function sigmoidBinaryCrossEntropy(logits: tf.Tensor, targets: tf.Tensor): { loss: tf.Tensor; grad: tf.Tensor } {
  const n = logits.size;
  const perSample = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
  return { loss: tf.mean(perSample), grad: tf.div(tf.sub(tf.sigmoid(logits), targets), tf.scalar(n)) };
}

// predictions, targets: same shape  →  loss = mean((p − t)²), grad = 2(p − t)/numel
export function meanSquaredError(predictions: tf.Tensor, targets: tf.Tensor): { loss: tf.Tensor; grad: tf.Tensor } {
  const diff = tf.sub(predictions, targets);
  return { loss: tf.mean(tf.square(diff)), grad: tf.mul(diff, tf.scalar(2 / predictions.size)) };
}
