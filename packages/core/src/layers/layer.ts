// The internal interface every built layer implements: parameter shapes, seeded init, and a
// forward/backward pair over backend tensors. Parameter names are local to the layer
// (`weight`, `weight_ih_l0`); the model prefixes them with the layer index (`1.weight_ih_l0`).
import type { Backend, Tensor } from '../backend.js';
import type { Initializer } from '../init.js';
import type { Rng } from '../rng.js';
import type { LayerSpec } from './specs.js';

/**
 * What flows between layers: token ids [B, T], a sequence [B, T, F] or a vector [B, F], and for
 * image cells frames [B, T, C, H, W] or an image [B, C, H, W] (`features` = C; H, W come from x).
 */
export type LayerIO =
  | { readonly kind: 'ids'; readonly vocab: number }
  | { readonly kind: 'sequence'; readonly features: number }
  | { readonly kind: 'vector'; readonly features: number }
  | { readonly kind: 'frames'; readonly features: number }
  | { readonly kind: 'image'; readonly features: number };

/**
 * Recurrent state carried between calls (streaming) or passed in by the user: for each of the
 * cell's states (h; h, c), numLayers·D tensors of [B, ...state].
 */
export interface RecurrentState {
  readonly values: readonly (readonly Tensor[])[];
}

export interface ForwardContext {
  readonly training: boolean;
  readonly lengths?: Int32Array | undefined;
  /** Draws dropout masks; present only while training. */
  readonly rng?: Rng | undefined;
  /** Initial state for a recurrent layer (absent = zeros). */
  readonly initialState?: RecurrentState | undefined;
  /** Keep the final recurrent state (streaming, state out). */
  readonly keepState: boolean;
  /** Use the backend's fused recurrent kernels where it has them (default true). */
  readonly fused?: boolean | undefined;
}

/** What a recurrent layer's backward takes and gives about its states (see `BuiltLayer.backward`). */
export interface StateGradArgs {
  /** Gradient of the loss w.r.t. the layer's final states (per state, numLayers·D tensors; entries may be absent). */
  readonly dFinal?: { readonly values: readonly (readonly (Tensor | undefined)[] | undefined)[] } | undefined;
  /** Return the gradient w.r.t. the initial states. */
  readonly wantInitial?: boolean | undefined;
}

export interface LayerForward {
  readonly y: Tensor;
  readonly saved?: unknown;
  readonly state?: RecurrentState | undefined;
}

export interface BuiltLayer {
  readonly spec: LayerSpec;
  readonly input: LayerIO;
  readonly output: LayerIO;
  readonly params: readonly { readonly name: string; readonly shape: readonly number[] }[];
  /** false for a frozen layer (`trainable: false`): the model applies no update to its parameters. */
  readonly trainable: boolean;
  /** Recurrent layers: the cell's states, each `count` (numLayers·D) tensors of [B, ...shape]. */
  readonly states?: readonly { readonly name: string; readonly shape: readonly number[]; readonly count: number }[];
  init(rng: Rng, scheme: Initializer): Map<string, Float32Array>;
  forward(b: Backend, p: ReadonlyMap<string, Tensor>, x: Tensor, ctx: ForwardContext): Promise<LayerForward>;
  /**
   * dy: gradient of the loss w.r.t. this layer's output; absent means zero (an encoder whose
   * output is unused). dx is absent for the first layer of ids. Recurrent layers also take the
   * gradient of their final states (`states.dFinal`, absent entries zero) and, with
   * `states.wantInitial`, return the gradient of their initial states (`dInitial`).
   */
  backward(
    b: Backend,
    saved: unknown,
    dy: Tensor | undefined,
    needDx: boolean,
    states?: StateGradArgs,
  ): Promise<{ dx?: Tensor | undefined; grads: Map<string, Tensor>; dInitial?: RecurrentState | undefined }>;
  disposeSaved(b: Backend, saved: unknown): void;
}

export function describeIO(io: LayerIO): string {
  switch (io.kind) {
    case 'ids':
      return `token ids [B, T] (int32, < ${io.vocab})`;
    case 'sequence':
      return `a sequence [B, T, ${io.features}]`;
    case 'vector':
      return `a vector [B, ${io.features}]`;
    case 'frames':
      return `frames [B, T, ${io.features}, H, W]`;
    case 'image':
      return `an image [B, ${io.features}, H, W]`;
  }
}
