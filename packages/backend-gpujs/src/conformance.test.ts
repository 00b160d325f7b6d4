// The shared rnnkit conformance suite, on WebGL (or gpu.js's fallback with RNNKIT_GPUJS_ALLOW_FALLBACK=1).
import { describeConformance } from '@rnnkit/conformance';
import { createTestBackend } from './test-support.js';

describeConformance(createTestBackend);
