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
  /** Classification tasks; absent for next-frame regression (movingMnist). */
  readonly testAccuracy?: number | undefined;
  /**
   * movingMnist: per-pixel MSE of the copy-the-last-frame baseline (x̂_{t+1} = x_t) on the same
   * test samples; testLoss / baselineLoss < 1 means the model predicts motion better than no motion.
   */
  readonly baselineLoss?: number | undefined;
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
  /** movingMnist: the model's predicted next frames for the task's example sequences, after the last epoch (as TaskResult.examples). */
  readonly predictedExamples?: readonly EncodedFrames[] | undefined;
  /** Largest resident set size sampled in the process (bytes). */
  readonly peakRssBytes?: number | undefined;
  /** process.resourceUsage().maxRSS of the process (bytes). */
  readonly maxRssBytes?: number | undefined;
  /** Wall time of the whole process, start to result (seconds). */
  readonly wallSeconds: number;
  /** The torch peer: the thread setting it ran with and the warm-up that chose it. */
  readonly threadTuning?: { readonly chosen: string; readonly trials: readonly ThreadTrial[]; readonly warmupBatches: number } | undefined;
  /** The onnx backend: its trained model exported with exportModelOnnx and run in a plain onnxruntime InferenceSession. */
  readonly plainGraph?: PlainGraphRun | undefined;
}

/** One thread setting of the torch peer's warm-up. */
export interface ThreadTrial {
  readonly setting: string;
  readonly threads: number;
  readonly env: Readonly<Record<string, string>>;
  readonly trainSamplesPerSec: number;
}

/**
 * The inference reference for backend-onnx: the exported graph in an InferenceSession created with
 * onnxruntime's default options, fed the same test batches; backend-onnx's predict is compared with it.
 */
export interface PlainGraphRun {
  readonly status: 'ok' | 'failed';
  readonly reason?: string | undefined;
  /** onnxruntime version and session options. Throughput is the best of `rounds` passes. */
  readonly device?: string | undefined;
  readonly inferSamplesPerSec?: number | undefined;
  /** Samples per pass (the test samples the backend's last pass scored, in its batches). */
  readonly samples?: number | undefined;
  /** max |logits − predict's logits| over those samples (same weights, so float32 rounding only). */
  readonly maxAbsDiff?: number | undefined;
  /** backend-onnx's predict on the same batches, warm (its graphs built), best of as many passes, alternating with the plain ones. */
  readonly predictWarmSamplesPerSec?: number | undefined;
  /** Timed passes of each side (the best of each is kept). */
  readonly rounds?: number | undefined;
}

/** Frames of one sequence for the report's picture: pixels clamped to [0, 1], quantised to 0..255, base64, frame after frame (row-major). */
export interface EncodedFrames {
  readonly frames: number;
  readonly frameSize: number;
  readonly base64: string;
}

/** movingMnist: held-out sequences the report draws, with every backend's prediction of them. */
export interface FrameExamples {
  /** Indices into the test sequences. */
  readonly indices: readonly number[];
  /** Per example: the input frames x_0 … x_{T−2}. */
  readonly inputs: readonly EncodedFrames[];
  /** Per example: the true next frames x_1 … x_{T−1}. */
  readonly targets: readonly EncodedFrames[];
}

export interface TaskResult {
  readonly task: TaskName;
  readonly config: TaskConfig;
  readonly modelDescription: string;
  readonly parameters?: number | undefined;
  readonly examples?: FrameExamples | undefined;
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
    /** --cell (the mnist task's cell). */
    readonly cell?: string | undefined;
    readonly backends: readonly string[];
    readonly seed: number;
    readonly epochs?: number | undefined;
    /** --budget as given (undefined: the profile's). */
    readonly budgetSeconds?: number | undefined;
    /** --peers: the reference rows asked for (older results: a boolean, true = tfjs-layers). */
    readonly peers: readonly string[] | boolean;
  };
  readonly tasks: readonly TaskResult[];
}
