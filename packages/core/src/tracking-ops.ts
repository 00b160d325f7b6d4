// The primitives as a cell step sees them: every tensor a step creates is recorded, so the loop
// frees whatever the step did not hand back (like tf.tidy), and a cell never disposes by hand.
import type { Activation, Backend, Tensor } from './backend.js';
import type { SequenceOps } from './cells/cell.js';

export class TrackingOps implements SequenceOps {
  private readonly created = new Set<Tensor>();

  constructor(private readonly b: Backend) {}

  private async track(t: Tensor | Promise<Tensor>): Promise<Tensor> {
    const r = await t;
    this.created.add(r);
    return r;
  }

  matmul(a: Tensor, b: Tensor, transposeA: boolean, transposeB: boolean): Promise<Tensor> {
    return this.track(this.b.matmul(a, b, transposeA, transposeB));
  }
  add(a: Tensor, b: Tensor): Promise<Tensor> {
    return this.track(this.b.add(a, b));
  }
  sub(a: Tensor, b: Tensor): Promise<Tensor> {
    return this.track(this.b.sub(a, b));
  }
  mul(a: Tensor, b: Tensor): Promise<Tensor> {
    return this.track(this.b.mul(a, b));
  }
  affine(x: Tensor, scale: number, shift: number): Promise<Tensor> {
    return this.track(this.b.affine(x, scale, shift));
  }
  addRow(x: Tensor, b: Tensor): Promise<Tensor> {
    return this.track(this.b.addRow(x, b));
  }
  sumRows(x: Tensor): Promise<Tensor> {
    return this.track(this.b.sumRows(x));
  }
  activation(f: Activation, x: Tensor): Promise<Tensor> {
    return this.track(this.b.activation(f, x));
  }
  activationGrad(f: Activation, y: Tensor, dy: Tensor): Promise<Tensor> {
    return this.track(this.b.activationGrad(f, y, dy));
  }
  slice(x: Tensor, axis: number, start: number, size: number): Promise<Tensor> {
    return this.track(this.b.slice(x, axis, start, size));
  }
  concat(xs: readonly Tensor[], axis: number): Promise<Tensor> {
    return this.track(this.b.concat(xs, axis));
  }
  reshape(x: Tensor, shape: readonly number[]): Promise<Tensor> {
    return this.track(this.b.reshape(x, shape));
  }

  div(a: Tensor, b: Tensor): Promise<Tensor> {
    return this.track(this.b.div(a, b));
  }
  layerNorm(x: Tensor, eps: number): Promise<Tensor> {
    return this.track(this.b.layerNorm(x, eps));
  }
  layerNormGrad(x: Tensor, dy: Tensor, eps: number): Promise<Tensor> {
    return this.track(this.b.layerNormGrad(x, dy, eps));
  }
  conv2d(x: Tensor, w: Tensor, bias: Tensor | undefined): Promise<Tensor> {
    return this.track(this.b.conv2d(x, w, bias));
  }
  conv2dGradInput(dy: Tensor, w: Tensor): Promise<Tensor> {
    return this.track(this.b.conv2dGradInput(dy, w));
  }
  conv2dGradFilter(x: Tensor, dy: Tensor, kernelSize: number): Promise<Tensor> {
    return this.track(this.b.conv2dGradFilter(x, dy, kernelSize));
  }
  linearScan(a: Tensor, b: Tensor, h0: Tensor, reverse: boolean): Promise<Tensor> {
    return this.track(this.b.linearScan(a, b, h0, reverse));
  }

  /** Tracks a tensor made outside the primitives (zeros) as if this scope had created it. */
  adopt(t: Tensor): Tensor {
    this.created.add(t);
    return t;
  }

  /**
   * Frees every tracked tensor not in `keep`. Kept tensors stay tracked, so a later release that
   * no longer keeps them (the previous step's states, a replaced gradient sum) frees them then.
   */
  release(keep: Iterable<Tensor>): void {
    const kept = new Set(keep);
    for (const t of this.created) {
      if (!kept.has(t)) {
        this.b.dispose(t);
        this.created.delete(t);
      }
    }
  }
}
