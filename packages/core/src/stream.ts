// Step-by-step inference: feed one time step at a time and keep the recurrent state between
// calls (online prediction, generation). Step t's output equals the whole-sequence model's
// output after steps 0..t.
import type { Tensor } from './backend.js';
import type { HostTensor } from './dataset.js';
import type { RecurrentState } from './layers/layer.js';
import { disposeStates, type Sequential } from './sequential.js';
import { checkFloats, shapeString } from './validate.js';

export class SequenceStream {
  private states: (RecurrentState | undefined)[] | undefined;
  private steps = 0;

  constructor(private readonly model: Sequential) {
    for (const [i, l] of model.layers.entries()) {
      if (l.spec.type === 'recurrent' && l.spec.bidirectional) {
        throw new Error(`stream: layer ${i} is bidirectional; a stream can only run forward in time`);
      }
    }
  }

  /** Time steps fed since the last reset. */
  get length(): number {
    return this.steps;
  }

  /**
   * Feeds one step for every sequence in the batch: x: [B, I] float32 features, [B] int32 token
   * ids for models that start with an embedding, or a frame [B, C, H, W] for image cells.
   * Returns the model's output for this step (without the time axis).
   */
  async step(x: HostTensor): Promise<HostTensor<Float32Array>> {
    const b = this.model.backend;
    const io = this.model.input;
    const B = x.shape[0]!;
    const frame = io.kind === 'frames' ? x.shape.slice(2) : [];
    const want = io.kind === 'ids' ? ['B'] : io.kind === 'frames' ? ['B', io.features, 'H', 'W'] : ['B', io.features];
    const expected = io.kind === 'ids' ? [B] : io.kind === 'frames' ? [B, io.features, ...frame] : [B, io.features];
    if (shapeString(x.shape) !== shapeString(expected) || (io.kind === 'frames' && x.shape.length !== 4)) {
      throw new Error(`stream.step: x: expected shape ${shapeString(want)}, got ${shapeString(x.shape)}`);
    }
    if (io.kind !== 'ids') checkFloats('stream.step: x', x.data);
    const batchOf = (s: RecurrentState | undefined) => s?.values[0]?.[0]?.shape[0];
    const prevB = this.states?.map(batchOf).find((v) => v !== undefined);
    if (prevB !== undefined && prevB !== B) throw new Error(`stream.step: x: batch size ${B} differs from the stream's ${prevB}; call reset() first`);
    const xt: Tensor = b.tensor(x.data, io.kind === 'ids' ? [B, 1] : [B, 1, ...x.shape.slice(1)], io.kind === 'ids' ? 'int32' : 'float32');
    const r = await this.model.runWithState(xt, this.states);
    b.dispose(xt);
    disposeStates(b, this.states);
    this.states = r.states;
    this.steps++;
    const out = Float32Array.from(await b.read(r.y));
    // A sequence-output model gives [B, 1, F] (or [B, 1, C, H, W]) for one step; drop the time axis.
    const out3 = this.model.output.kind === 'sequence' || this.model.output.kind === 'frames';
    const shape = out3 ? [r.y.shape[0]!, ...r.y.shape.slice(2)] : r.y.shape.slice();
    b.dispose(r.y);
    return { data: out, shape };
  }

  /** Forget the state: the next step starts from zeros. */
  reset(): void {
    disposeStates(this.model.backend, this.states);
    this.states = undefined;
    this.steps = 0;
  }

  dispose(): void {
    this.reset();
  }
}
