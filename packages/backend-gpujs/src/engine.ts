// The gpu.js engine: one GPU instance, a cache of compiled kernels, and the storage rule.
//
// Storage rule: every float tensor lives in a gpu.js pipeline texture (a flat 1-D texture of
// `size` floats, gpu.js packs it into a near-square 2-D texture). When gpu.js fell back to a
// CPU/WebAssembly kernel (only allowed without `requireWebGL`), the same code runs with
// Float32Arrays in place of textures. int32 tensors (token ids, class labels) always stay on the
// host as Int32Array: kernels only ever need them as small per-call uniforms-like arrays, and
// host copies let us validate ids and build the embedding-gradient index without a read-back.
import { GPU, Texture } from 'gpu.js';
import { destroyGpu } from './detect.js';

/** What a kernel output or a stored tensor is: a GPU texture, or a host array after a fallback. */
export type Storage = Texture | Float32Array;
/** What kernels accept as arguments. */
export type KernelArg = Storage | number;

export type EngineKind = 'webgl' | 'wasm' | 'cpu';

interface KernelFn {
  (...args: KernelArg[]): unknown;
  kernel: { constructor: { name: string; mode?: string } };
}

export interface KernelSpec {
  /** Cache key: the kernel kind plus every constant that changes the compiled program. */
  readonly key: string;
  /** gpu.js kernel source (a function expression as a string, so bundlers never rewrite it). */
  readonly source: string;
  /** Flat output length. */
  readonly size: number;
  readonly constants?: Record<string, number>;
  /** gpu.js return type; 'Array(4)' makes a vec4 texture (4 floats per element). Default one float. */
  readonly returnType?: 'Array(4)';
}

export class Engine {
  readonly gpu: GPU;
  readonly requireWebGL: boolean;
  /** Class name of the kernels gpu.js builds for this instance (probe result). */
  readonly kernelClass: string;
  readonly kind: EngineKind;
  private readonly kernels = new Map<string, KernelFn>();
  private closed = false;
  /**
   * When set, every kernel call waits for the GPU (gl.finish) and its time is added under the
   * kernel's kind (the key up to the first ':'). For benchmarks only: it serialises the pipeline.
   */
  profile: Map<string, { ms: number; calls: number }> | undefined;

  /** Samplers one kernel may read (WebGL 1 guarantees 8; llvmpipe offers 32). */
  readonly textureUnits: number;

  constructor(gpu: GPU, kernelClass: string, kind: EngineKind, requireWebGL: boolean) {
    this.gpu = gpu;
    this.kernelClass = kernelClass;
    this.kind = kind;
    this.requireWebGL = requireWebGL;
    const gl = (gpu as unknown as { context?: { getParameter?(p: number): unknown; MAX_TEXTURE_IMAGE_UNITS?: number } | null }).context;
    let units = 8;
    try {
      const u = gl?.getParameter?.(gl.MAX_TEXTURE_IMAGE_UNITS ?? 0x8872);
      if (typeof u === 'number' && u >= 8) units = u;
    } catch {
      // keep the WebGL 1 minimum
    }
    this.textureUnits = units;
  }

  /** Run a cached kernel (built on first use). Outputs are always fresh storage the caller owns. */
  run(spec: KernelSpec, args: readonly KernelArg[]): Storage {
    if (this.closed) throw new Error('gpujs backend: used after close()');
    // gpu.js compiles argument sizes into the program (dynamicArguments: false), so the sizes
    // of the arguments are part of what identifies a compiled kernel.
    const key = `${spec.key}|${args.map(argSize).join(',')}`;
    let k = this.kernels.get(key);
    const fresh = k === undefined;
    if (k === undefined) {
      k = this.gpu.createKernel(spec.source as never, {
        output: [spec.size],
        constants: spec.constants ?? {},
        pipeline: true,
        // Each call returns a new texture: handles and saved buffers outlive the next call of
        // the same kernel (the recurrent step kernels are called T times per layer).
        immutable: true,
        precision: 'single',
        tactic: 'precision',
        // Our index maths divides with a +0.5 guard; gpu.js's own fix is not needed.
        fixIntegerDivisionAccuracy: false,
        ...(spec.returnType ? { returnType: spec.returnType } : {}),
      } as never) as unknown as KernelFn;
      this.kernels.set(key, k);
    }
    const t0 = this.profile ? performance.now() : 0;
    const out = k(...args);
    if (fresh) this.checkKernel(k, spec.key);
    if (this.profile) {
      this.finish();
      const kind = spec.key.startsWith('matmul')
        ? `${spec.key.slice(0, spec.key.indexOf(':'))} ${spec.key.slice(spec.key.indexOf(':') + 1).split(/[,:]/).slice(0, 3).join('x')}`
        : spec.key.slice(0, spec.key.indexOf(':') >>> 0);
      const p = this.profile.get(kind) ?? { ms: 0, calls: 0 };
      p.ms += performance.now() - t0;
      p.calls++;
      this.profile.set(kind, p);
    }
    return this.adopt(out);
  }

  /** A kernel that failed to compile for WebGL is silently replaced by a CPUKernel in gpu.js. */
  private checkKernel(k: KernelFn, key: string): void {
    const cls = k.kernel.constructor.name;
    if (cls !== this.kernelClass && this.requireWebGL) {
      throw new Error(`gpujs: kernel '${key}' fell back from ${this.kernelClass} to ${cls}; WebGL was required`);
    }
  }

  private adopt(out: unknown): Storage {
    if (out instanceof Texture) return out;
    if (out instanceof Float32Array) return new Float32Array(out);
    if (Array.isArray(out) || ArrayBuffer.isView(out)) return Float32Array.from(out as ArrayLike<number>);
    throw new Error(`gpujs: unexpected kernel output ${Object.prototype.toString.call(out)}`);
  }

  /** Wait until the GPU has finished all queued kernels (a no-op for CPU fallbacks). */
  finish(): void {
    const gl = (this.gpu as unknown as { context?: { finish?: () => void } | null }).context;
    gl?.finish?.();
  }

  /** Number of compiled kernels (for tests and diagnostics). */
  kernelCount(): number {
    return this.kernels.size;
  }

  /** Throws when the engine was closed (for the calls that do not run a kernel, such as read). */
  assertOpen(): void {
    if (this.closed) throw new Error('gpujs backend: used after close()');
  }

  /** Free every kernel, texture and the GL context now (see destroyGpu). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.kernels.clear();
    this.profile = undefined;
    destroyGpu(this.gpu);
  }
}

function argSize(a: KernelArg): string {
  if (typeof a === 'number') return 'n';
  if (a instanceof Texture) return String((a as unknown as { output: number[] }).output.join('x'));
  return String(a.length);
}

/** Another owner of the same data (textures are reference counted by gpu.js; arrays are never mutated). */
export function share(s: Storage): Storage {
  return s instanceof Texture ? s.clone() : s;
}

export function release(s: Storage): void {
  if (s instanceof Texture) s.delete();
}

export function toHost(s: Storage, size: number): Float32Array {
  if (!(s instanceof Texture)) return new Float32Array(s);
  const a = s.toArray() as unknown;
  if (a instanceof Float32Array) return a.length === size ? a : a.slice(0, size);
  return Float32Array.from(a as ArrayLike<number>).slice(0, size);
}
