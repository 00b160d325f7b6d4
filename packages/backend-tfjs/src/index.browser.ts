// @rnnkit/backend-tfjs in a browser (the package's `browser` export condition): the same names as
// index.ts. Differences: the WebGL engine is imported with a plain specifier, so bundlers ship it
// (the Node path hides it from them: Node has no WebGL); and `device` names the GPU the browser
// reports, since "webgl" alone does not say whether a real GPU or a software rasteriser runs.
//
// The wasm engine fetches its .wasm files from next to the page's script unless told otherwise;
// a bundled app passes the URLs its bundler emitted to tfjs's own `setWasmPaths` (see apps/web).
import * as tf from '@tensorflow/tfjs-core';
import { bindBackend } from '@rnnkit/core';
import type { Backend } from '@rnnkit/core';
import { acquireEngine, defaultEngine, describeEngine, releaseEngine } from './engine.js';
import { TfjsBackend } from './tfjs-backend.js';
import type { TfjsBackendOptions } from './create-tfjs-backend.js';

export type { TfjsBackendOptions } from './create-tfjs-backend.js';

interface GlContext {
  readonly RENDERER: number;
  getParameter(p: number): unknown;
  getExtension(name: string): { readonly UNMASKED_RENDERER_WEBGL: number } | null;
}

/** The renderer string of tfjs's WebGL context (the unmasked one where the browser exposes it). */
function webglRenderer(): string | undefined {
  try {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: GlContext } }).gpgpu?.gl;
    if (!gl) return undefined;
    const dbg = gl.getExtension('WEBGL_debug_renderer_info');
    return String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  } catch {
    return undefined;
  }
}

export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<Backend> {
  const requested = options.engine ?? 'auto';
  const wanted = requested === 'auto' ? defaultEngine() : requested;
  if (wanted === 'webgl' && tf.findBackendFactory('webgl') === null) {
    try {
      await import('@tensorflow/tfjs-backend-webgl');
    } catch (e) {
      if (requested === 'webgl') throw new Error(`createTfjsBackend: engine 'webgl': could not load @tensorflow/tfjs-backend-webgl (${(e as Error).message})`);
      // 'auto' falls back to cpu in acquireEngine, and the name says so.
    }
  }
  const engine = await acquireEngine(requested);
  try {
    let device = await describeEngine(engine);
    if (engine === 'webgl') device = `${device.replace(/\)$/, '')}, ${webglRenderer() ?? 'unknown renderer'})`;
    return new TfjsBackend(engine, device, releaseEngine);
  } catch (e) {
    releaseEngine();
    throw e;
  }
}

// The model API bound to this backend, as in index.ts.
const api = bindBackend(createTfjsBackend);
export const sequential = api.sequential;
export const loadModel = api.loadModel;
export const stream = api.stream;
export * from '@rnnkit/core';
