// The layer-level `trainable` flag (freezing). A spec stores it only when false, so the specs of
// ordinary layers, and the checkpoints that save them as JSON, are unchanged.
import type { LayerSpec } from './specs.js';

/** The field a spec stores for a `trainable` option: `{}` for true or absent, `{ trainable: false }` for false. */
export function trainableField(where: string, trainable: unknown): { trainable?: false } {
  if (trainable === undefined || trainable === true) return {};
  if (trainable === false) return { trainable: false };
  throw new Error(`${where}: trainable: expected true or false, got ${JSON.stringify(trainable)}`);
}

/** Whether a layer's parameters train; checks specs from checkpoints and hand-written ones too. */
export function isTrainable(spec: LayerSpec, where: string): boolean {
  return trainableField(where, (spec as { trainable?: unknown }).trainable).trainable !== false;
}
