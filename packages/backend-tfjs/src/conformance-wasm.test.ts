import { describeConformance } from '@rnnkit/conformance';
import { createTfjsBackend } from './index.js';

describeConformance(() => createTfjsBackend({ engine: 'wasm' }));
