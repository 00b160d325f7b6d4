import { describeConformance } from '@rnnkit/conformance';
import { createJsBackend } from './index.js';

describeConformance(() => createJsBackend({ precision: 'float64' }), { label: 'js float64' });
describeConformance(() => createJsBackend({ precision: 'float32' }), { label: 'js float32' });
