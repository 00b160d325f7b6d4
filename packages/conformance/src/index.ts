// @rnnkit/conformance: the one test suite every rnnkit backend runs. A backend's test file is:
//   import { describeConformance } from '@rnnkit/conformance';
//   import { createJsBackend } from './index.js';
//   describeConformance(() => createJsBackend({ precision: 'float32' }));
import { afterAll, beforeAll, describe } from 'vitest';
import { checkedBackend, type Backend } from '@rnnkit/core';
import { createJsBackend } from '@rnnkit/backend-js';
import { describeGolden } from './golden.js';
import { describeFiniteDifferences } from './finite-differences.js';
import { describeReferenceFormulas } from './reference-formulas.js';
import { describeBackendVsReference } from './backend-vs-reference.js';
import { describeSequenceLengths } from './sequence-lengths.js';
import { describeModel } from './model.js';
import { describeCheckpointRobustness } from './checkpoint-robustness.js';
import { describeCatalogueModels } from './catalogue-models.js';
import { describeStateGradients } from './state-gradients.js';
import { describePytorchInterop } from './pytorch-interop.js';
import { describeLearns } from './learns.js';
import { describeTrainingLoop } from './training-loop.js';
import { describeLossTraces } from './loss-trace.js';
import { describeLeaks } from './leaks.js';
import { describeBadInput } from './bad-input.js';
import { describeIdentity } from './identity.js';
import { describePrimitives } from './primitives.js';
import type { ConformanceOptions, Suite } from './suite.js';
import { toleranceFor } from './tolerance.js';

export type { ConformanceOptions, Suite } from './suite.js';
export { toleranceFor, type Tolerance } from './tolerance.js';
export { compareArrays, expectClose, expectEqual, type Comparison } from './compare.js';
export { loadGoldenCases, loadVariantCases, type GoldenCase } from './golden.js';

/**
 * Defines the conformance suite (vitest `describe`/`it` blocks) for a backend factory. A first
 * instance is created while the suite is collected, only to read what it declares (name,
 * precision, capabilities: they decide tolerances and skips), and closed at once; the tests
 * run on a fresh instance created before the first test and closed after the last. So several
 * suites in one file never hold two backends at a time (tfjs, for one, has a single engine).
 */
const SUITE_TIMEOUT = 1_800_000;

export function describeConformance(createBackend: () => Promise<Backend>, options: ConformanceOptions = {}): void {
  const leakSteps = options.leakSteps ?? 1000;
  if (!Number.isInteger(leakSteps) || leakSteps < 1) {
    throw new Error(`describeConformance: options.leakSteps: expected a positive integer, got ${String(options.leakSteps)}`);
  }
  // The suite asserts correctness, never speed: whatever the runner's default (vitest's is 5 s),
  // no test may fail for being slow on a busy or software-rendered machine. 30 min ends a hang.
  describe(`rnnkit conformance${options.label ? `: ${options.label}` : ''}`, { timeout: SUITE_TIMEOUT }, async () => {
    const probe = await createBackend();
    const declared = { name: probe.name, device: probe.device, precision: probe.precision, capabilities: probe.capabilities, fusedKinds: Object.keys(probe.fused ?? {}).filter((k) => probe.fused[k]) };
    probe.close();
    let backend: Backend | undefined;
    let reference: Backend | undefined;
    beforeAll(async () => {
      // Behind core's argument checks, as every model sees a backend.
      backend = checkedBackend(await createBackend());
      reference = checkedBackend(await createJsBackend({ precision: 'float64' }));
    }, SUITE_TIMEOUT);
    afterAll(() => {
      backend?.close();
      reference?.close();
    });
    const s: Suite = {
      get backend(): Backend {
        if (!backend) throw new Error('conformance: the backend is only available inside tests');
        return backend;
      },
      get reference(): Backend {
        if (!reference) throw new Error('conformance: the reference is only available inside tests');
        return reference;
      },
      tol: toleranceFor(declared.precision),
      caps: declared.capabilities,
      fusedKinds: declared.fusedKinds,
      leakSteps,
    };
    describe(`${declared.name} (${declared.precision}, ${declared.device})`, () => {
      describeIdentity(s);
      describePrimitives(s);
      describeGolden(s);
      describeFiniteDifferences(s);
      describeReferenceFormulas(s);
      describeBackendVsReference(s);
      describeSequenceLengths(s);
      describeModel(s);
      describeCheckpointRobustness(s);
      describeCatalogueModels(s);
      describeStateGradients(s);
      describePytorchInterop(s);
      describeLossTraces(s);
      describeLearns(s);
      describeTrainingLoop(s);
      describeLeaks(s);
      describeBadInput(s);
    });
  });
}
