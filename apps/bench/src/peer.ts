// The --peers reference row: TensorFlow.js' own tf.layers.lstm on the same data and configuration.
import type { TaskConfig } from './config.js';
import type { Emit } from './messages.js';
import type { BackendRun } from './results.js';

export const PEER_ID = 'peer:tfjs-layers';

export async function runPeer(config: TaskConfig, emit: Emit): Promise<BackendRun> {
  void config;
  void emit;
  return { backend: PEER_ID, kind: 'peer', status: 'unavailable', reason: 'not implemented yet', epochs: [], lossCurve: [], wallSeconds: 0 };
}
