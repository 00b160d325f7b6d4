// Facts about the machine and package versions, recorded with every result.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname } from 'node:path';
import type { MachineInfo } from './results.js';

export function machineInfo(): MachineInfo {
  const cpu = cpus();
  return {
    hostname: hostname(),
    platform: `${process.platform}`,
    arch: process.arch,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cpuCount: cpu.length,
    memoryBytes: totalmem(),
    node: process.version,
    display: process.env.DISPLAY || undefined,
  };
}

function versionOf(require: NodeJS.Require, name: string): { version: string; dir: string } | undefined {
  try {
    const file = require.resolve(`${name}/package.json`);
    return { version: (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version, dir: dirname(file) };
  } catch {
    return undefined;
  }
}

/** Versions of the packages that take part; engines are resolved from the backend that uses them. */
export function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  const own = ['@rnnkit/core', '@rnnkit/datasets', '@rnnkit/backend-js', '@rnnkit/backend-tfjs', '@rnnkit/backend-onnx', '@rnnkit/backend-gpujs'];
  const engines: Record<string, string[]> = {
    '@rnnkit/backend-tfjs': ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu'],
    '@rnnkit/backend-onnx': ['onnxruntime-node'],
    '@rnnkit/backend-gpujs': ['gpu.js', 'gl'],
  };
  for (const name of own) {
    const v = versionOf(require, name);
    if (!v) continue;
    out[name] = v.version;
    for (const engine of engines[name] ?? []) {
      const e = versionOf(createRequire(`${v.dir}/package.json`), engine);
      if (e) out[engine] = e.version;
    }
  }
  for (const name of ['@tensorflow/tfjs-layers', '@tensorflow/tfjs-core']) {
    const v = versionOf(require, name);
    if (v) out[name] ??= v.version;
  }
  return out;
}
