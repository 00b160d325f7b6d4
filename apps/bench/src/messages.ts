// What the parent and a worker process say to each other over IPC (plain JSON).
import type { TaskConfig } from './config.js';
import type { BackendRun } from './results.js';

export interface WorkerRequest {
  readonly type: 'run';
  /** Registry id, or 'peer:tfjs-layers'. */
  readonly backend: string;
  readonly config: TaskConfig;
}

export type WorkerMessage =
  /** A new step with a progress bar of `total` units. */
  | { readonly type: 'phase'; readonly label: string; readonly total: number; readonly unit: string }
  /** Progress inside the current step; `loss` when training. */
  | { readonly type: 'tick'; readonly done: number; readonly loss?: number | undefined }
  /** A line for the log (backend name and device, validation result, …). */
  | { readonly type: 'note'; readonly text: string }
  | { readonly type: 'result'; readonly run: BackendRun };

export type Emit = (m: WorkerMessage) => void;
