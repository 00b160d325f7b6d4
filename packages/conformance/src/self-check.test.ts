// The suite's own check: the pure TypeScript backend passes it in both precisions.
import { createJsBackend } from '@rnnkit/backend-js';
import { describeConformance } from './index.js';

describeConformance(() => createJsBackend({ precision: 'float64' }), { label: 'js float64' });
describeConformance(() => createJsBackend({ precision: 'float32' }), { label: 'js float32' });
