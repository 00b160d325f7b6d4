// Trainable parameters of a task's model, counted from the model core builds (its layers' own
// declarations), not from a formula here: the cells' layouts (projections, peepholes, norms,
// ConvLSTM kernels) are core's business, and a formula would drift from them silently.
import { createReferenceBackend } from './backends.js';
import type { TaskConfig } from './config.js';
import { createModel } from './model.js';

export async function countParameters(config: TaskConfig): Promise<number> {
  const backend = await createReferenceBackend();
  try {
    const model = createModel(backend, config);
    try {
      return model.parameterCount();
    } finally {
      model.dispose();
    }
  } finally {
    backend.close();
  }
}
