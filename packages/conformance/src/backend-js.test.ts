// The suite on backend-js, the reference backend itself: both precisions from source, and the
// float32 path across two worker threads from the built package (the workers run its compiled
// dist/fast/recurrent-worker.js). It lives here, not in backend-js, because conformance depends on
// backend-js: a devDependency back would make the package graph cyclic.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createJsBackend } from '@rnnkit/backend-js';
import { describeConformance } from './index.js';

describeConformance(() => createJsBackend({ precision: 'float64' }), { label: 'js float64' });
describeConformance(() => createJsBackend({ precision: 'float32' }), { label: 'js float32' });

// The installed package (its dist), resolved as a user's import would be, not the source alias.
const built = (await import(pathToFileURL(createRequire(import.meta.url).resolve('@rnnkit/backend-js')).href)) as typeof import('@rnnkit/backend-js');
// parallelMinWork 0: the suite's small shapes split too, so every case runs across threads.
describeConformance(() => built.createJsBackend({ threads: 2, parallelMinWork: 0 }), { label: 'js float32, 2 threads', leakSteps: 200 });
