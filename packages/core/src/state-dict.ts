// PyTorch state_dicts in and out. rnnkit names parameters as nn.Sequential does
// (`<layer index>.<PyTorch name>`: `1.weight_ih_l0`); a module with named attributes
// (`self.embed`, `self.lstm`, `self.fc`) is reached with a prefix map, `{ '0.': 'embed.', ... }`.
// Loading is strict by default, like `load_state_dict(strict=True)`, and always reports what was
// missing, unexpected or of the wrong shape.
import type { HostTensor } from './dataset.js';
import { shapeString } from './validate.js';

/** rnnkit name prefix → PyTorch name prefix, e.g. `{ '0.': 'embed.', '1.': 'lstm.', '2.': 'fc.' }`. */
export type StateDictNames = Readonly<Record<string, string>>;

export interface StateDictReport {
  /** PyTorch names the model has and the state_dict lacks. */
  readonly missing: string[];
  /** Names in the state_dict the model does not have. */
  readonly unexpected: string[];
  readonly mismatched: { readonly name: string; readonly expected: readonly number[]; readonly got: readonly number[] }[];
  /** Parameters loaded, by rnnkit name. */
  readonly loaded: string[];
}

function checkNames(names: StateDictNames | undefined, where: string): [string, string][] {
  if (names === undefined) return [];
  if (!names || typeof names !== 'object' || Array.isArray(names)) throw new Error(`${where}: names: expected a prefix map such as { '0.': 'embed.' }, got ${JSON.stringify(names)}`);
  const pairs = Object.entries(names);
  for (const [from, to] of pairs) {
    if (typeof to !== 'string') throw new Error(`${where}: names['${from}']: expected a string prefix, got ${JSON.stringify(to)}`);
  }
  const targets = new Set(pairs.map(([, to]) => to));
  if (targets.size !== pairs.length) throw new Error(`${where}: names: two prefixes map to the same PyTorch prefix`);
  // Longest prefix first, so '1.' never shadows '10.'.
  return pairs.sort((a, b) => b[0].length - a[0].length);
}

/** The PyTorch name of rnnkit parameter `name` under `names`. */
export function torchName(name: string, names: StateDictNames | undefined, where = 'stateDict'): string {
  for (const [from, to] of checkNames(names, where)) if (name.startsWith(from)) return to + name.slice(from.length);
  return name;
}

/**
 * Matches a state_dict against the model's parameters (rnnkit name → shape): which tensors load,
 * and what is missing, unexpected or mis-shaped.
 */
export function matchStateDict(
  shapes: ReadonlyMap<string, readonly number[]>,
  given: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float32Array }>,
  names: StateDictNames | undefined,
  where: string,
): { weights: Map<string, Float32Array>; report: StateDictReport } {
  const weights = new Map<string, Float32Array>();
  const report: StateDictReport = { missing: [], unexpected: [], mismatched: [], loaded: [] };
  const wanted = new Map<string, string>();
  for (const name of shapes.keys()) wanted.set(torchName(name, names, where), name);
  for (const [tname, ours] of wanted) {
    const t = given.get(tname);
    const shape = shapes.get(ours)!;
    if (!t) report.missing.push(tname);
    else if (shapeString(t.shape) !== shapeString(shape)) report.mismatched.push({ name: tname, expected: shape, got: t.shape });
    else {
      weights.set(ours, t.data);
      report.loaded.push(ours);
    }
  }
  for (const tname of given.keys()) if (!wanted.has(tname)) report.unexpected.push(tname);
  return { weights, report };
}

/** The strict rejection: everything that did not match, in one message. */
export function describeMismatch(r: StateDictReport): string {
  const parts: string[] = [];
  if (r.missing.length) parts.push(`missing ${r.missing.length} (${r.missing.join(', ')})`);
  if (r.unexpected.length) parts.push(`unexpected ${r.unexpected.length} (${r.unexpected.join(', ')})`);
  if (r.mismatched.length) parts.push(`wrong shape ${r.mismatched.length} (${r.mismatched.map((m) => `${m.name}: expected ${shapeString(m.expected)}, got ${shapeString(m.got)}`).join('; ')})`);
  return parts.join('; ');
}

/** Host tensors of a state_dict given in memory, checked as Float32Array of the right size. */
export function stateDictEntries(sd: ReadonlyMap<string, HostTensor>, where: string): Map<string, { shape: readonly number[]; data: Float32Array }> {
  if (!(sd instanceof Map)) throw new Error(`${where}: expected a Map of name → { data, shape } or a file path, got ${typeof sd}`);
  const out = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, t] of sd) {
    if (!(t?.data instanceof Float32Array)) throw new Error(`${where}: '${name}': expected Float32Array data, got ${(t?.data as object)?.constructor?.name ?? typeof t?.data}`);
    const n = t.shape.reduce((a: number, b: number) => a * b, 1);
    if (n !== t.data.length) throw new Error(`${where}: '${name}': data has ${t.data.length} values, shape ${shapeString(t.shape)} needs ${n}`);
    out.set(name, { shape: t.shape, data: t.data });
  }
  return out;
}
