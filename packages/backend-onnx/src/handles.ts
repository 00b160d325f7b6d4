// The handle bookkeeping of one OnnxBackend: wrapping host arrays in handles, counting what is live,
// and the misuses core's argument checks cannot see from outside (a handle of another backend, a
// handle or Saved already disposed, a Saved of another kernel). Shapes and dtypes are core's to check.

import type { DType, Saved, Tensor } from '@rnnkit/core';
import { LiveCounter, OnnxSaved, OnnxTensor, type Data } from './tensor.js';

export class Handles {
  readonly live = new LiveCounter();

  wrap(data: Data, shape: readonly number[], dtype: DType = data instanceof Int32Array ? 'int32' : 'float32'): OnnxTensor {
    return new OnnxTensor([...shape], dtype, data, this.live);
  }

  get(t: Tensor | undefined, what: string): OnnxTensor {
    if (!(t instanceof OnnxTensor)) throw new Error(`onnx backend: ${what} is not a tensor of this backend`);
    if (t.isDisposed) throw new Error(`onnx backend: ${what} (shape [${t.shape.join(', ')}]) was disposed`);
    return t;
  }

  /** The data of a float32 tensor (core has checked the dtype). */
  floats(t: Tensor | undefined, what: string): Float32Array {
    return this.get(t, what).data as Float32Array;
  }

  /** The data of an int32 tensor (core has checked the dtype). */
  ints(t: Tensor | undefined, what: string): Int32Array {
    return this.get(t, what).data as Int32Array;
  }

  /** `s` as the Saved class `kind` of this backend, not yet disposed. */
  saved<S extends OnnxSaved>(s: Saved, kind: abstract new (...args: never[]) => S, where: string): S {
    if (!(s instanceof kind)) throw new Error(`${where}: saved is not what this backend's matching forward returned (kind '${s?.kind}')`);
    if (s.isReleased) throw new Error(`${where}: saved was already disposed`);
    return s;
  }
}
