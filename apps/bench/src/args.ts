// Command-line options. Parsing is separate from running so that tests can check defaults and errors.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { BACKEND_IDS, type BackendId } from './backends.js';
import { CELL_NAMES, DEFAULT_CELL, isCellName, type CellName } from './cells.js';
import { DEFAULT_INIT, DEFAULT_TASKS, INIT_NAMES, PATH_NAMES, PROFILE_NAMES, TASK_NAMES, type InitName, type PathName, type ProfileName, type TaskName } from './config.js';

export interface BenchOptions {
  readonly tasks: readonly TaskName[];
  /** Explicit list, or undefined: every backend that is installed and working. */
  readonly backends: readonly BackendId[] | undefined;
  readonly profile: ProfileName;
  /** Overrides the profile's epochs. */
  readonly epochs: number | undefined;
  readonly seed: number;
  /** Initial weights: core's PyTorch defaults or Keras' defaults; undefined: each task's default (keras; movingMnist pytorch). */
  readonly init: InitName | undefined;
  readonly path: PathName;
  /** The MNIST task's recurrent cell. */
  readonly cell: CellName;
  /** Seconds per backend and task; 0 = none; undefined = the profile's (quick 60 s, full none). */
  readonly budget: number | undefined;
  readonly out: string;
  /** Reference rows beside the backends (`--peers`), in the order given. */
  readonly peers: readonly PeerName[];
  readonly open: boolean;
}

export const PEER_NAMES = ['tfjs-layers', 'torch'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

function parsePeers(v: string): PeerName[] {
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${PEER_NAMES.join(', ')}, got '${v}'.`);
  for (const name of names) {
    if (!(PEER_NAMES as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown peer '${name}'; expected a comma-separated list of ${PEER_NAMES.join(', ')}.`);
  }
  return [...new Set(names)] as PeerName[];
}

function parseTask(v: string): TaskName[] {
  if (v.trim() === 'all') return [...TASK_NAMES];
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InvalidArgumentError(`expected one of ${[...TASK_NAMES, 'all'].join(', ')} (or a comma-separated list), got '${v}'.`);
  for (const name of names) {
    if (!(TASK_NAMES as readonly string[]).includes(name)) throw new InvalidArgumentError(`expected one of ${[...TASK_NAMES, 'all'].join(', ')} (or a comma-separated list), got '${name}'.`);
  }
  return [...new Set(names)] as TaskName[];
}

function parseCell(v: string): CellName {
  if (isCellName(v)) return v;
  throw new InvalidArgumentError(`expected one of ${CELL_NAMES.join(', ')}, got '${v}'.`);
}

function parseBackends(v: string): BackendId[] {
  const ids = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (ids.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of ${BACKEND_IDS.join(', ')}, got '${v}'.`);
  for (const id of ids) {
    if (!(BACKEND_IDS as readonly string[]).includes(id)) {
      throw new InvalidArgumentError(`unknown backend '${id}'; expected a comma-separated list of ${BACKEND_IDS.join(', ')}.`);
    }
  }
  return [...new Set(ids)] as BackendId[];
}

function parseProfile(v: string): ProfileName {
  if ((PROFILE_NAMES as readonly string[]).includes(v)) return v as ProfileName;
  throw new InvalidArgumentError(`expected one of ${PROFILE_NAMES.join(', ')}, got '${v}'.`);
}

function parseInit(v: string): InitName {
  if ((INIT_NAMES as readonly string[]).includes(v)) return v as InitName;
  throw new InvalidArgumentError(`expected one of ${INIT_NAMES.join(', ')}, got '${v}'.`);
}

function integer(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}, got '${v}'.`);
    return n;
  };
}

/** The workspace root (the folder with pnpm-workspace.yaml) above `from`, else `from`. */
export function workspaceRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}

export function buildCommand(): Command {
  return new Command('rnnkit-bench')
    .description('Trains and evaluates the same recurrent models on real MNIST and IMDB data (and a ConvLSTM on moving MNIST digits) on every rnnkit backend, and writes JSON, Markdown and HTML reports.')
    .addOption(new Option('--task <name>', `${TASK_NAMES.join(', ')} (comma-separated for several) or all`).argParser(parseTask).default([...DEFAULT_TASKS], DEFAULT_TASKS.join(',')))
    .addOption(new Option('--cell <name>', `the MNIST model's recurrent cell: ${CELL_NAMES.join(', ')} (given alone, runs the mnist task only)`).argParser(parseCell).default(DEFAULT_CELL))
    .addOption(new Option('--backends <list>', `comma-separated: ${BACKEND_IDS.join(', ')} (default: every backend installed and working)`).argParser(parseBackends).default(undefined, 'every backend installed and working'))
    .addOption(new Option('--profile <name>', 'quick (seeded subsets, a few minutes), full (the standard configuration) or tiny (smoke test)').argParser(parseProfile).default('quick'))
    .addOption(new Option('--epochs <n>', "override the profile's epochs").argParser(integer(1)))
    .addOption(new Option('--seed <n>', 'seed for weights, shuffling and subsets').argParser(integer(0)).default(42))
    .addOption(new Option('--init <name>', "initial weights: pytorch (core's defaults) or keras (glorot/orthogonal, embedding U(±0.05))").argParser(parseInit).default(undefined, `${DEFAULT_INIT}; movingMnist: pytorch`))
    .addOption(new Option('--path <name>', "recurrent layers on each backend's fused kernels (fused) or on core's generic path over the backend primitives (generic)").choices([...PATH_NAMES]).default('fused'))
    .addOption(new Option('--budget <seconds>', "time budget per backend and task: training stops past 70% of it, testing past 100%, the worker is stopped at 200%; 0 = none (default: quick 60, full none)").argParser(integer(0)))
    .addOption(new Option('--out <dir>', 'folder for results.json, results.md and report.html').default(undefined, 'bench-results/ at the repository root'))
    .addOption(new Option('--peers [list]', `reference rows on the same data, weights, order and hyper-parameters: ${PEER_NAMES.join(', ')} (comma-separated; given alone: tfjs-layers)`).argParser(parsePeers))
    .option('--open', 'open report.html in a browser at the end (xdg-open/open)', false)
    .allowExcessArguments(false);
}

/** Parses `argv` (without node and script). Throws a CommanderError on bad input (the CLI prints it). */
export function parseArgs(argv: readonly string[], cwd = process.cwd()): BenchOptions {
  const cmd = buildCommand().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  // `pnpm bench -- --task mnist` passes a literal `--` through; skip it.
  cmd.parse(argv.filter((a, i) => !(a === '--' && i === 0)), { from: 'user' });
  const o = cmd.opts<{ task: TaskName[]; cell: CellName; backends?: BackendId[]; profile: ProfileName; epochs?: number; seed: number; init?: InitName; path: PathName; budget?: number; out?: string; peers?: PeerName[] | true; open: boolean }>();
  let tasks = o.task;
  // --cell changes the MNIST model only: alone it means "this cell on MNIST"; next to other tasks
  // it would silently not apply to them, so that is an error.
  if (cmd.getOptionValueSource('cell') === 'cli') {
    if (cmd.getOptionValueSource('task') !== 'cli') tasks = ['mnist'];
    else if (tasks.some((t) => t !== 'mnist')) cmd.error(`error: option '--cell <name>' applies to the mnist task only, but --task asks for ${tasks.join(', ')}.`, { code: 'rnnkit.cellTask' });
  }
  return {
    tasks,
    backends: o.backends,
    profile: o.profile,
    epochs: o.epochs,
    seed: o.seed,
    init: o.init,
    path: o.path,
    cell: o.cell,
    budget: o.budget,
    out: resolve(cwd, o.out ?? join(workspaceRoot(cwd), 'bench-results')),
    // A bare --peers keeps its meaning from before torch existed: the tf.layers row.
    peers: o.peers === true ? ['tfjs-layers'] : (o.peers ?? []),
    open: o.open,
  };
}
