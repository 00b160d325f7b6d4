import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, workspaceRoot } from './args.js';

const root = workspaceRoot(process.cwd());

describe('parseArgs', () => {
  it('defaults: all tasks, every working backend, quick profile, seed 42, bench-results/ at the repository root', () => {
    const o = parseArgs([], process.cwd());
    expect(o).toEqual({
      tasks: ['mnist', 'imdb'],
      backends: undefined,
      profile: 'quick',
      epochs: undefined,
      seed: 42,
      init: undefined,
      path: 'fused',
      cell: 'lstm',
      budget: undefined,
      out: join(root, 'bench-results'),
      peers: [],
      open: false,
    });
    expect(root.endsWith('apps/bench')).toBe(false);
  });

  it('reads every option, and skips the literal -- that `pnpm bench -- …` passes', () => {
    const o = parseArgs(['--', '--task', 'imdb', '--backends', 'js, onnx,js', '--profile', 'full', '--epochs', '2', '--seed', '0', '--budget', '0', '--out', '/tmp/x', '--peers'], '/');
    expect(o).toMatchObject({ tasks: ['imdb'], backends: ['js', 'onnx'], profile: 'full', epochs: 2, seed: 0, budget: 0, out: '/tmp/x', peers: ['tfjs-layers'] });
    // Peers by name, comma-separated, in the order given; a bare --peers is tf.layers, as before torch existed.
    expect(parseArgs(['--peers', 'torch']).peers).toEqual(['torch']);
    expect(parseArgs(['--peers', 'tfjs-layers, torch,torch']).peers).toEqual(['tfjs-layers', 'torch']);
    expect(parseArgs(['--peers', '--task', 'mnist'])).toMatchObject({ peers: ['tfjs-layers'], tasks: ['mnist'] });
    expect(() => parseArgs(['--peers', 'jax'])).toThrow("unknown peer 'jax'; expected a comma-separated list of tfjs-layers, torch.");
    expect(parseArgs(['--task', 'all']).tasks).toEqual(['mnist', 'imdb', 'movingMnist']);
    expect(parseArgs(['--task', 'movingMnist']).tasks).toEqual(['movingMnist']);
    expect(parseArgs(['--task', 'mnist, movingMnist,mnist']).tasks).toEqual(['mnist', 'movingMnist']);
    expect(parseArgs(['--out', 'rel'], '/base').out).toBe('/base/rel');
  });

  it('bad values give clear errors naming the option, what is expected and what was given', () => {
    expect(() => parseArgs(['--task', 'cifar'])).toThrow("option '--task <name>' argument 'cifar' is invalid. expected one of mnist, imdb, movingMnist, all (or a comma-separated list), got 'cifar'.");
    expect(() => parseArgs(['--task', 'mnist,cifar'])).toThrow(/got 'cifar'\.$/);
    expect(() => parseArgs(['--backends', 'js,cuda'])).toThrow("unknown backend 'cuda'; expected a comma-separated list of js, tfjs, onnx, gpujs.");
    expect(() => parseArgs(['--backends', ','])).toThrow(/expected a comma-separated list/);
    expect(() => parseArgs(['--profile', 'fast'])).toThrow("expected one of quick, full, tiny, got 'fast'.");
    expect(() => parseArgs(['--epochs', '0'])).toThrow("option '--epochs <n>' argument '0' is invalid. expected an integer >= 1, got '0'.");
    expect(() => parseArgs(['--epochs', '1.5'])).toThrow(/expected an integer >= 1, got '1.5'/);
    expect(() => parseArgs(['--seed', 'abc'])).toThrow(/expected an integer >= 0, got 'abc'/);
    expect(parseArgs(['--init', 'pytorch']).init).toBe('pytorch');
    expect(() => parseArgs(['--init', 'xavier'])).toThrow("expected one of pytorch, keras, got 'xavier'.");
    expect(parseArgs(['--path', 'generic']).path).toBe('generic');
    expect(() => parseArgs(['--path', 'slow'])).toThrow(/--path.*slow|slow.*fused, generic/);
    expect(() => parseArgs(['--budget', '-5'])).toThrow(/expected an integer >= 0, got '-5'/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown option '--fast'/);
    expect(() => parseArgs(['mnist'])).toThrow(/too many arguments/);
  });

  it('--cell picks the MNIST cell; alone it runs the mnist task only; unknown names list the valid ones', () => {
    expect(parseArgs(['--cell', 'gru'])).toMatchObject({ cell: 'gru', tasks: ['mnist'] });
    expect(parseArgs(['--cell', 'lstm'])).toMatchObject({ cell: 'lstm', tasks: ['mnist'] });
    expect(parseArgs(['--task', 'mnist', '--cell', 'minGru'])).toMatchObject({ cell: 'minGru', tasks: ['mnist'] });
    expect(() => parseArgs(['--cell', 'transformer'])).toThrow(
      "option '--cell <name>' argument 'transformer' is invalid. expected one of rnn, lstm, gru, ctrnn, jordan, minGru, minLstm, lstmProjection, lstmPeephole, lstmLayerNorm, got 'transformer'.",
    );
    // It would not apply to the other tasks, so asking for them too is an error rather than a surprise.
    expect(() => parseArgs(['--task', 'all', '--cell', 'gru'])).toThrow("option '--cell <name>' applies to the mnist task only, but --task asks for mnist, imdb, movingMnist.");
    expect(() => parseArgs(['--cell', 'gru', '--task', 'imdb'])).toThrow(/applies to the mnist task only/);
  });
});
