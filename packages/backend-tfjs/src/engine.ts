// Engine selection. TensorFlow.js keeps ONE global engine per process (tf.setBackend switches it
// for everyone), so two TfjsBackend instances on different engines would silently run each
// other's kernels. This module tracks which engine our live instances use and refuses a
// conflicting request instead. It is the only module-level state in the package, and it
// mirrors tfjs's own global rather than adding a registry of ours.

import * as tf from '@tensorflow/tfjs-core';

export type TfjsEngine = 'wasm' | 'cpu' | 'webgl';
export type TfjsEngineOption = TfjsEngine | 'auto';

let active: { engine: string; instances: number } | undefined;

export function defaultEngine(): TfjsEngine {
  return tf.env().getBool('IS_BROWSER') ? 'webgl' : 'wasm';
}

class NoWebGL extends Error {}

async function registerEngine(engine: TfjsEngine): Promise<void> {
  // Already registered (e.g. a browser app imported @tensorflow/tfjs-backend-webgl itself).
  if (tf.findBackendFactory(engine) !== null) return;
  // Backends register themselves when imported; importing here (not at the top of the module)
  // keeps `import '@rnnkit/backend-tfjs'` free of side effects and loads only what is asked for.
  try {
    if (engine === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    else if (engine === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    else {
      // In a browser the package's browser entry (index.browser.ts) has imported the engine
      // already. Node has no WebGL: tfjs-backend-webgl loads there but never registers.
      if (!tf.env().getBool('IS_BROWSER')) throw new NoWebGL();
      const specifier = '@tensorflow/tfjs-backend-webgl';
      await import(/* @vite-ignore */ specifier);
    }
  } catch (e) {
    if (e instanceof NoWebGL) {
      throw new Error(`createTfjsBackend: engine 'webgl': @tensorflow/tfjs-backend-webgl runs only in a browser (this is not one); use 'wasm' or 'cpu' here`);
    }
    throw new Error(
      `createTfjsBackend: engine '${engine}': could not load @tensorflow/tfjs-backend-${engine} (${(e as Error).message})`,
    );
  }
}

/**
 * Make `requested` the running tfjs engine and return the name of the engine that actually runs.
 * An explicit engine that cannot start throws; 'auto' falls back from wasm to cpu and says so
 * through the returned name.
 */
export async function acquireEngine(requested: TfjsEngineOption): Promise<string> {
  const explicit = requested !== 'auto';
  const wanted: TfjsEngine = explicit ? requested : defaultEngine();
  if (!['wasm', 'cpu', 'webgl'].includes(wanted)) {
    throw new Error(`createTfjsBackend: engine: expected 'wasm', 'cpu', 'webgl' or 'auto', got '${String(requested)}'`);
  }
  if (active !== undefined && active.instances > 0 && active.engine !== wanted) {
    throw new Error(
      `createTfjsBackend: engine '${wanted}' requested while a TfjsBackend on '${active.engine}' is alive; ` +
        'tfjs has one global engine per process, so close() the other backend first (or use the same engine)',
    );
  }
  let running: string | undefined;
  try {
    await registerEngine(wanted);
    const ok = await tf.setBackend(wanted);
    await tf.ready();
    running = ok ? tf.getBackend() : undefined;
  } catch (e) {
    if (explicit) throw e;
  }
  if (running !== wanted) {
    if (explicit) {
      throw new Error(`createTfjsBackend: engine '${wanted}' failed to start (tfjs is running '${tf.getBackend() ?? 'none'}')`);
    }
    // 'auto': fall back to the plain JS engine, and report it as what runs.
    await registerEngine('cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error(`createTfjsBackend: neither '${wanted}' nor 'cpu' could start`);
    await tf.ready();
    running = tf.getBackend();
  }
  if (active !== undefined && active.instances > 0 && active.engine !== running) {
    throw new Error(`createTfjsBackend: engine '${running}' started while a TfjsBackend on '${active.engine}' is alive`);
  }
  active = { engine: running, instances: (active?.instances ?? 0) + 1 };
  return running;
}

export function releaseEngine(): void {
  if (active !== undefined && active.instances > 0) active.instances -= 1;
}

/** Describe what actually runs, e.g. `tfjs 4.22.0 wasm (SIMD, 1 thread)`. */
export async function describeEngine(engine: string): Promise<string> {
  const base = `tfjs ${tf.version_core} ${engine}`;
  if (engine === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    let threads = 1;
    if (tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      threads = wasm.getThreadsCount();
    }
    return `${base} (${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'})`;
  }
  if (engine === 'cpu') return `${base} (plain JavaScript, 1 thread)`;
  if (engine === 'webgl') {
    const version = tf.env().getNumber('WEBGL_VERSION');
    const f32 = tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED');
    return `${base} (WebGL ${version}, ${f32 ? 'float32' : 'float16 (float32 rendering unavailable)'} textures)`;
  }
  return base;
}
