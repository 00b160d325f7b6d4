// Which gpu.js engine really runs. gpu.js picks a kernel class when the GPU instance is built and
// falls back silently (no X display in Node: HeadlessGLKernel unsupported → WebAssemblyKernel or
// CPUKernel) while `gpu.mode` still says 'gpu'. So we compile a probe kernel, check its class
// and its numbers, and report that.
import { GPU } from 'gpu.js';
import type { EngineKind } from './engine.js';

export type GpujsMode = 'webgl' | 'auto' | 'cpu';

export interface Detected {
  readonly gpu: GPU;
  readonly kernelClass: string;
  readonly kind: EngineKind;
  readonly device: string;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

const fallbackHint = isNode
  ? 'in Node run under xvfb-run (xvfb-run -a node ...) or set DISPLAY, and check that the optional `gl` package built'
  : 'check that the browser exposes WebGL with float textures';

function webglError(what: string): Error {
  return new Error(
    `gpujs: WebGL requested but ${what}; ${fallbackHint}; or create the backend with { mode: 'auto' } to accept the fallback`,
  );
}

/** gpu.js's own mode: 'gpu' tries headless-gl, WebGL2, WebGL, then WebAssembly; the probe says which won. */
function gpujsMode(mode: GpujsMode): string {
  return mode === 'cpu' ? 'cpu' : 'gpu';
}

function kindOf(cls: string, mode: string | undefined): EngineKind {
  if (/GL/.test(cls) || mode === 'gpu' || mode === 'headlessgl' || mode === 'webgl' || mode === 'webgl2') return 'webgl';
  if (/Assembly/.test(cls) || mode === 'webasm') return 'wasm';
  return 'cpu';
}

interface GlLike {
  RENDERER: number;
  VERSION: number;
  getParameter(p: number): unknown;
  getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
}

/** The GL renderer in words: the unmasked renderer when the context exposes it, else RENDERER/VERSION. */
function glRenderer(gl: GlLike | undefined): string {
  if (gl === undefined || typeof gl.getParameter !== 'function') return 'unknown renderer';
  try {
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    const unmasked = dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : null;
    const renderer = String(gl.getParameter(gl.RENDERER));
    const version = String(gl.getParameter(gl.VERSION));
    return unmasked ? `${String(unmasked)}, ${version}` : `${renderer}, ${version}`;
  } catch {
    return 'unknown renderer';
  }
}

export function detectGpujs(mode: GpujsMode, requireWebGL: boolean): Detected {
  const wantWebGL = requireWebGL || mode === 'webgl';
  let gpu: GPU;
  try {
    gpu = new GPU({ mode: gpujsMode(mode) as never });
  } catch (e) {
    if (wantWebGL) throw webglError(`gpu.js cannot create a WebGL context (${(e as Error).message})`);
    throw e;
  }
  // Whatever goes wrong from here on, the GPU instance (and its GL context) is freed before the
  // error leaves: a failed detection must not leak a context either.
  let probed: { cls: string; kind: EngineKind; context: GlLike | undefined };
  try {
    probed = probe(gpu, wantWebGL);
  } catch (e) {
    try {
      destroyGpu(gpu);
    } catch {
      // the probe's error is the one to report
    }
    throw e;
  }
  const { cls, kind } = probed;
  const device = kind === 'webgl' ? `webgl (${cls}, ${glRenderer(probed.context)})` : `${kind} (${cls}, gpu.js fallback)`;
  return { gpu, kernelClass: cls, kind, device };
}

/** Compile and run the probe kernel on `gpu`: the kernel class gpu.js really built, checked. */
function probe(gpu: GPU, wantWebGL: boolean): { cls: string; kind: EngineKind; context: GlLike | undefined } {
  const k = gpu.createKernel(
    'function (a) { return a[this.thread.x] * 2 + 1; }' as never,
    { output: [4], pipeline: true, immutable: true, precision: 'single' } as never,
  ) as unknown as ((a: Float32Array) => unknown) & {
    kernel: { constructor: { name: string; mode?: string }; context?: GlLike };
  };
  const out = k(new Float32Array([0, 1, 2, 3]));
  const cls = k.kernel.constructor.name;
  const kind = kindOf(cls, k.kernel.constructor.mode);
  const values = out && typeof (out as { toArray?: unknown }).toArray === 'function'
    ? (out as { toArray(): ArrayLike<number> }).toArray()
    : (out as ArrayLike<number>);
  const ok = values.length >= 4 && values[0] === 1 && values[3] === 7;
  (out as { delete?: () => void }).delete?.();
  if (wantWebGL && kind !== 'webgl') {
    throw webglError(`gpu.js fell back to ${cls}`);
  }
  if (!ok) {
    throw new Error(`gpujs: probe kernel (${cls}) returned wrong values ${Array.from(values).join(',')}`);
  }
  return { cls, kind, context: k.kernel.context };
}

/** What destroyGpu reaches inside a gpu.js GPU instance (not in its typings). */
interface GpuInternals {
  kernels: { destroy(removeCanvasReferences?: boolean): void }[];
  context: unknown;
  canvas: unknown;
  Kernel: { destroyContext?(context: unknown): void } | null;
}

/**
 * Free a gpu.js GPU instance synchronously: every kernel it built (program, shaders, buffer,
 * framebuffers and every texture the kernel created, including the ones live handles still point
 * at: their later `delete()` is a no-op) and then its GL context (headless-gl:
 * STACKGL_destroy_context, which frees the native context and its drawing buffer; a browser:
 * WEBGL_lose_context).
 *
 * gpu.js's own `gpu.destroy()` does the same but inside a `setTimeout(0)`: a program that
 * creates and closes backends in a loop that only awaits promises (microtasks, as every backend
 * call does) never reaches that timer, so no context was ever freed while it ran: about 34 MiB
 * of RSS per backend under Mesa llvmpipe. It also forgets CPU kernels (their destroy() does not
 * remove them from gpu.kernels).
 */
export function destroyGpu(gpu: GPU): void {
  const g = gpu as unknown as GpuInternals;
  let first: unknown;
  // kernel.destroy() splices a GL kernel out of gpu.kernels: walk a copy. The list holds every
  // kernel the instance built, the ones gpu.js switched or fell back from included.
  for (const k of g.kernels.slice()) {
    try {
      k.destroy(true);
    } catch (e) {
      first ??= e;
    }
  }
  g.kernels.length = 0;
  const context = g.context;
  if (context) {
    try {
      g.Kernel?.destroyContext?.(context);
    } catch (e) {
      first ??= e;
    }
  }
  // Drop the references, so a closed backend the caller still holds keeps no GL wrapper alive.
  g.context = null;
  g.canvas = null;
  if (first !== undefined) throw first;
}
