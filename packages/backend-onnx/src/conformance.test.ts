import { describeConformance } from '@rnnkit/conformance';
import { createOnnxBackend } from './index.js';

describeConformance(() => createOnnxBackend({ executionProvider: 'cpu', intraOpNumThreads: 1 }));
