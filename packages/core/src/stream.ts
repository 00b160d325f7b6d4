// Step-by-step inference: feed one time step at a time and keep the recurrent state between
// calls (online prediction, generation). Step t's output equals the whole-sequence model's
// output after steps 0..t.
import type { Tensor } from './backend.js';
import type { HostTensor } from './dataset.js';
import type { RecurrentState } from './layers/layer.js';
import { disposeStates, type Sequential } from './sequential.js';
import { shapeString } from './validate.js';

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
   * Feeds one step for every sequence in the batch: x: [B, I] float32 features, or [B] int32
   * token ids for models that start with an embedding. Returns the model's output for this step.
   */
  async step(x: HostTensor): Promise<HostTensor<Float32Array>> {
    const b = this.model.backend;
    const io = this.model.input;
    const B = x.shape[0]!;
    const expected = io.kind === 'ids' ? [B] : [B, io.features];
    if (shapeString(x.shape) !== shapeString(expected)) {
      throw new Error(`stream.step: x: expected shape ${shapeString(io.kind === 'ids' ? ['B'] : ['B', io.features])}, got ${shapeString(x.shape)}`);
    }
    const batchOf = (s: RecurrentState | undefined) => s?.values[0]?.[0]?.shape[0];
    const prevB = this.states?.map(batchOf).find((v) => v !== undefined);
    if (prevB !== undefined && prevB !== B) throw new Error(`stream.step: x: batch size ${B} differs from the stream's ${prevB}; call reset() first`);
    const xt: Tensor = b.tensor(x.data, io.kind === 'ids' ? [B, 1] : [B, 1, io.features], io.kind === 'ids' ? 'int32' : 'float32');
    const r = await this.model.runWithState(xt, this.states);
    b.dispose(xt);
    disposeStates(b, this.states);
    this.states = r.states;
    this.steps++;
    const out = Float32Array.from(await b.read(r.y));
    // A sequence-output model gives [B, 1, F] for one step; drop the time axis.
    const shape = r.y.shape.length === 3 ? [r.y.shape[0]!, r.y.shape[2]!] : r.y.shape.slice();
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
