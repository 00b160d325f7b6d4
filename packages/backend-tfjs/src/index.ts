export { createTfjsBackend, type TfjsBackendOptions } from './create-tfjs-backend.js';
export { TfjsBackend } from './tfjs-backend.js';
export type { TfjsEngine, TfjsEngineOption } from './engine.js';
