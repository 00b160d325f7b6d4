// The shape of results.json (and of what a worker process sends back).
import type { TaskConfig, TaskName, ProfileName } from './config.js';

export const RESULTS_SCHEMA = 'rnnkit-bench/1' as const;

/** ok; failed (error or validation); unavailable (not installed or not working here); timeout (stopped at twice the budget). */
export type RunStatus = 'ok' | 'failed' | 'unavailable' | 'timeout';

export interface ValidationResult {
  readonly passed: boolean;
  /** Relative tolerance from the backend's declared precision. */
  readonly tolerance: number;
  readonly referenceLoss: number;
  readonly loss: number;
  /** |loss − referenceLoss| / |referenceLoss| */
  readonly lossError: number;
  /** max over parameters of max|g − g_ref| / max|g_ref| */
  readonly gradientError: number;
  /** The parameter where gradientError was found. */
  readonly worstParameter: string;
  readonly batchSize: number;
}

export interface EpochResult {
  readonly epoch: number;
  /** Mean training loss over the epoch's batches. */
  readonly trainLoss: number;
  /** Samples trained in this epoch (fewer than the configuration's when the budget cut it short). */
  readonly trainSamples: number;
  /** Test samples scored after this epoch (ditto). */
  readonly testSamples: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Training time of the epoch (batches only, no evaluation). */
  readonly trainSeconds: number;
  /** Time of the forward passes over the test set after the epoch. */
  readonly evalSeconds: number;
}

export interface BackendRun {
  /** Registry id (`js`, `tfjs`, …) or `peer:tfjs-layers`. */
  readonly backend: string;
  readonly kind: 'rnnkit' | 'peer';
  readonly status: RunStatus;
  /** Why it failed or is unavailable. */
  readonly reason?: string | undefined;
  /** The backend's own name and device strings (what really ran). */
  readonly name?: string | undefined;
  readonly device?: string | undefined;
  readonly precision?: string | undefined;
  /** How the process ran, e.g. "xvfb-run -a" for a backend that needs a display. */
  readonly launcher?: string | undefined;
  readonly validation?: ValidationResult | undefined;
  /** Training samples per second over the timed epochs. */
  readonly trainSamplesPerSec?: number | undefined;
  /** Inference samples per second: forward passes over the test samples after the last epoch. */
  readonly inferSamplesPerSec?: number | undefined;
  readonly epochs: readonly EpochResult[];
  /** Set when the time budget cut training or testing short: what was left out. */
  readonly cutShort?: string | undefined;
  /** Loss of every training batch, in order. */
  readonly lossCurve: readonly number[];
  /** Largest resident set size sampled in the process (bytes). */
  readonly peakRssBytes?: number | undefined;
  /** process.resourceUsage().maxRSS of the process (bytes). */
  readonly maxRssBytes?: number | undefined;
  /** Wall time of the whole process, start to result (seconds). */
  readonly wallSeconds: number;
}

export interface TaskResult {
  readonly task: TaskName;
  readonly config: TaskConfig;
  readonly modelDescription: string;
  readonly parameters?: number | undefined;
  readonly dataSeconds: number;
  readonly runs: readonly BackendRun[];
}

export interface MachineInfo {
  readonly hostname: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly display: string | undefined;
}

export interface BenchResults {
  readonly schema: typeof RESULTS_SCHEMA;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly wallSeconds: number;
  readonly machine: MachineInfo;
  /** Package versions that took part (rnnkit packages, engines). */
  readonly versions: Readonly<Record<string, string>>;
  readonly options: {
    readonly profile: ProfileName;
    readonly tasks: readonly TaskName[];
    readonly backends: readonly string[];
    readonly seed: number;
    readonly epochs?: number | undefined;
    /** --budget as given (undefined: the profile's). */
    readonly budgetSeconds?: number | undefined;
    readonly peers: boolean;
  };
  readonly tasks: readonly TaskResult[];
}
