// The benchmark's one list of backends. Adding a backend = adding one entry here.
// "Installed and working" means: the dynamic import succeeds and the factory creates a backend.
import type { Backend } from '@rnnkit/core';

export type BackendId = 'js' | 'tfjs' | 'onnx' | 'gpujs';

export interface BackendEntry {
  readonly id: BackendId;
  /** The npm package the backend lives in. */
  readonly packageName: string;
  /** Its exported async factory. */
  readonly factory: string;
  /** What the benchmark passes to the factory. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * Needs an X display (headless-gl). Without DISPLAY, the app runs this backend's process under
   * `xvfb-run -a` when xvfb-run is installed; otherwise it runs bare and the backend's `device`
   * string shows what it fell back to.
   */
  readonly needsDisplay: boolean;
}

export const BACKENDS: readonly BackendEntry[] = [
  { id: 'js', packageName: '@rnnkit/backend-js', factory: 'createJsBackend', options: { precision: 'float32' }, needsDisplay: false },
  { id: 'tfjs', packageName: '@rnnkit/backend-tfjs', factory: 'createTfjsBackend', options: { engine: 'wasm' }, needsDisplay: false },
  { id: 'onnx', packageName: '@rnnkit/backend-onnx', factory: 'createOnnxBackend', options: { executionProvider: 'auto' }, needsDisplay: false },
  { id: 'gpujs', packageName: '@rnnkit/backend-gpujs', factory: 'createGpujsBackend', options: {}, needsDisplay: true },
];

type Factory = (options?: unknown) => Promise<Backend>;

/**
 * Imports the package and creates the backend. The specifier is a variable on purpose: a backend
 * package that is missing or not built is a run-time "unavailable", not a compile error here.
 */
export async function createBackend(entry: Pick<BackendEntry, 'packageName' | 'factory' | 'options'>): Promise<Backend> {
  const mod = (await import(entry.packageName)) as Record<string, unknown>;
  const f = mod[entry.factory];
  if (typeof f !== 'function') throw new Error(`${entry.packageName} does not export ${entry.factory}() (is it built? run \`pnpm build\`)`);
  return (f as Factory)(entry.options);
}

export const BACKEND_IDS: readonly BackendId[] = BACKENDS.map((b) => b.id);

export function backendEntry(id: string): BackendEntry {
  const entry = BACKENDS.find((b) => b.id === id);
  if (!entry) throw new Error(`backends: unknown backend ${JSON.stringify(id)}; expected one of ${BACKEND_IDS.join(', ')}`);
  return entry;
}

/** The float64 reference every backend is validated against (backend-js's reference path). */
export function createReferenceBackend(): Promise<Backend> {
  return createBackend({ packageName: '@rnnkit/backend-js', factory: 'createJsBackend', options: { precision: 'float64' } });
}
