#!/usr/bin/env node
// Packaging test: what a user meets after `npm i @rnnkit/core @rnnkit/backend-X`.
// 1. `pnpm pack` every public package (built beforehand: turbo's test task depends on ^build) and
//    inspect each tarball: no tests, test helpers, fixtures, source maps or workspace: ranges.
// 2. Install the tarballs with npm into a fresh project outside the workspace.
// 3. Type-check a consumer with `tsc --noEmit --strict` (module NodeNext) against the published .d.ts.
// 4. Run the same example once per backend (copies of example.mjs that differ only in the import
//    line) and check that the four predict the same logits from the same seed.
// 5. Run the published conformance suite (vitest) on the published pure TypeScript backend.
// Exits non-zero on any failure; the last line is `packaging: N passed, M failed`.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');

/** Public packages, by directory under packages/ (npm name @rnnkit/<dir>). */
const PUBLIC = ['core', 'backend-js', 'backend-tfjs', 'backend-onnx', 'backend-gpujs', 'datasets', 'conformance', 'torch'];
/** The four backends the example runs on; the first is the one the template imports. */
const BACKENDS = ['backend-js', 'backend-tfjs', 'backend-onnx', 'backend-gpujs'];
/** What the fresh project installs: every public package (npm adds conformance's vitest peer). */
const INSTALLED = ['core', 'datasets', ...BACKENDS, 'conformance', 'torch'];
/**
 * Largest |Δ| of any logit against backend-js (float32 everywhere, four Adam steps, lr 1e-3).
 * Measured on this repo's dev machine: 6e-8 (tfjs wasm, onnx cpu), 4e-7 (gpu.js WebGL on llvmpipe). 1e-3
 * leaves room for other CPUs and real GPUs' less exact transcendentals, while training itself moves the
 * logits by about 6e-2 (checked below to be at least 10x the tolerance), so a wrong kernel, optimizer,
 * seed or batch order cannot pass.
 */
const TOLERANCE = 1e-3;
/** Backend names each example must report (gpujs must really run WebGL: the run has an X display). */
const EXPECTED_NAME = { 'backend-js': /^js$/, 'backend-tfjs': /^tfjs-wasm$/, 'backend-onnx': /^onnx-(cpu|cuda)$/, 'backend-gpujs': /^gpujs-webgl$/ };

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${!ok && detail ? `: ${detail}` : ''}`);
  return ok;
}

function run(cmd, args, opts = {}) {
  const started = Date.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return { status: r.error ? -1 : r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? String(r.error) : ''}`, seconds };
}

function tail(s, n = 40) {
  return s.trim().split('\n').slice(-n).join('\n');
}

const hasCommand = (c) => run('sh', ['-c', `command -v ${c}`]).status === 0;

const work = mkdtempSync(join(tmpdir(), 'rnnkit-pack-'));
if (!relative(ROOT, work).startsWith('..')) throw new Error(`temporary project ${work} is inside the workspace ${ROOT}`);
const keep = process.env.RNNKIT_PACK_KEEP === '1';

try {
  // ---- 1. pack and inspect ------------------------------------------------------------------
  const tarDir = join(work, 'tarballs');
  mkdirSync(tarDir);
  const tarballs = {};
  const FORBIDDEN = [/\.test\./, /\.spec\./, /test-support/, /__tests__\//, /(^|\/)fixtures?(\/|\.)/, /\.map$/, /\.bench\./, /\.tsbuildinfo$/, /^package\/src\//, /^package\/node_modules\//];
  for (const dir of PUBLIC) {
    const before = new Set(readdirSync(tarDir));
    const r = run('pnpm', ['pack', '--pack-destination', tarDir], { cwd: join(ROOT, 'packages', dir) });
    const made = readdirSync(tarDir).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (!check(`pack ${dir}`, r.status === 0 && made.length === 1, r.status === 0 ? `made ${made.join(', ') || 'nothing'}` : tail(r.stderr + r.stdout))) continue;
    const file = join(tarDir, made[0]);
    tarballs[dir] = file;
    const list = run('tar', ['-tzf', file]).stdout.trim().split('\n');
    const bad = list.filter((f) => FORBIDDEN.some((re) => re.test(f)));
    check(`${dir} tarball has no tests, test helpers, fixtures or source maps`, bad.length === 0, bad.join(', '));
    const required = ['package/package.json', 'package/README.md', 'package/LICENSE', 'package/dist/index.js', 'package/dist/index.d.ts'];
    const missing = required.filter((f) => !list.includes(f));
    check(`${dir} tarball has package.json, README.md, LICENSE, dist/index.js and dist/index.d.ts`, missing.length === 0, `missing ${missing.join(', ')}`);
    const js = list.filter((f) => f.endsWith('.js') && f.startsWith('package/dist/'));
    const noTypes = js.filter((f) => !list.includes(f.replace(/\.js$/, '.d.ts')));
    check(`${dir} ships a .d.ts beside every .js`, noTypes.length === 0, noTypes.join(', '));
    // Every relative import in the shipped JavaScript and declarations must resolve inside the tarball.
    const extracted = join(work, 'extracted', dir);
    mkdirSync(extracted, { recursive: true });
    run('tar', ['-xzf', file, '-C', extracted]);
    const dangling = [];
    for (const f of list.filter((f) => /\.(js|d\.ts)$/.test(f))) {
      const text = readFileSync(join(extracted, f), 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = join(dirname(f), m[1]);
        if (!list.includes(target) && !list.includes(target.replace(/\.js$/, '.d.ts'))) dangling.push(`${f} → ${m[1]}`);
      }
    }
    check(`${dir}: every relative import resolves inside the tarball`, dangling.length === 0, dangling.join(', '));
    const manifest = run('tar', ['-xzOf', file, 'package/package.json']).stdout;
    check(`${dir} published package.json has no workspace: ranges`, !manifest.includes('workspace:'), manifest.match(/"[^"]+": "workspace:[^"]*"/g)?.join(', '));
    const pj = JSON.parse(manifest);
    check(`${dir} published manifest fields`, pj.private !== true && pj.sideEffects === false && pj.exports?.['.']?.types && Object.keys(pj.exports['.'])[0] === 'types' && pj.engines?.node && pj.license && pj.repository && pj.keywords?.length > 0 && (dir === 'core' || /^>=0\.1\.0 <1\.0\.0$/.test(pj.peerDependencies?.['@rnnkit/core'] ?? '')), `peer @rnnkit/core ${pj.peerDependencies?.['@rnnkit/core']}`);
    const bytes = statSync(file).size;
    const unpacked = run('sh', ['-c', `tar -xzOf '${file}' | wc -c`]).stdout.trim();
    console.log(`     ${made[0]}: ${(bytes / 1024).toFixed(1)} KiB packed, ${(Number(unpacked) / 1024).toFixed(1)} KiB unpacked, ${list.length} files`);
  }

  // ---- 2. a fresh project outside the workspace ---------------------------------------------
  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'rnnkit-pack-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
  // npm must not inherit the settings pnpm/turbo export to scripts (npm_config_*, npm_package_*, ...):
  // the fresh project gets a plain environment plus the install settings below.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|PNPM_|INIT_CWD$|TURBO_)/i.test(k) || /^npm_config_(registry|cache|nodedir)$/i.test(k)),
  );
  const env = {
    ...inherited,
    // headless-gl builds from source against the local Node headers (it cannot download them).
    npm_config_nodedir: process.env.npm_config_nodedir ?? '/usr',
    JOBS: process.env.JOBS ?? 'max',
    // onnxruntime-node's postinstall would download CUDA provider libraries; the CPU provider ships in the tarball.
    ONNXRUNTIME_NODE_INSTALL: 'skip',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  };
  const ready = INSTALLED.every((d) => tarballs[d]);
  let installed = false;
  if (check('every installed package was packed', ready)) {
    const specs = [...INSTALLED.map((d) => tarballs[d]), 'typescript@~5.9.3', '@types/node@^20.19.0'];
    const r = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], { cwd: app, env });
    installed = check(`npm install of the tarballs (${r.seconds} s)`, r.status === 0, tail(r.stderr + r.stdout));
    if (installed) {
      // gl is an optional dependency of gpu.js: a failed build is dropped silently.
      const gl = run(process.execPath, ['-e', "require(require.resolve('gl', { paths: [require.resolve('gpu.js')] }))"], { cwd: app });
      check('headless-gl built in the fresh project', gl.status === 0, tail(gl.stderr));
      const leaked = readdirSync(join(app, 'node_modules', '@rnnkit')).filter((d) => {
        const p = join(app, 'node_modules', '@rnnkit', d);
        return lstatSync(p).isSymbolicLink() || !existsSync(join(p, 'package.json'));
      });
      check('installed @rnnkit packages are real copies, not workspace links', leaked.length === 0, leaked.join(', '));
      // @rnnkit/torch copies its Python files (train.py, ...) from the installed package into every export.
      const py = run(process.execPath, ['--input-type=module', '-e', "import { PYTHON_FILES, pythonDir } from '@rnnkit/torch'; import { accessSync } from 'node:fs'; for (const f of PYTHON_FILES) accessSync(pythonDir() + f);"], { cwd: app });
      check('@rnnkit/torch finds its Python files in the installed package', py.status === 0, tail(py.stderr));
      const bin = run(join(app, 'node_modules', '.bin', 'rnnkit-torch'), ['export-torch', '--help'], { cwd: app });
      check('@rnnkit/torch installs its rnnkit-torch command', bin.status === 0 && bin.stdout.includes('--out <dir>'), tail(bin.stderr + bin.stdout));
    }
  }

  if (installed) {
    // ---- 3. strict type-check of a consumer against the published declarations ----------------
    cpSync(join(HERE, 'consumer.ts'), join(app, 'consumer.ts'));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: ['node'], skipLibCheck: false }, files: ['consumer.ts'] }, null, 2),
    );
    const tsc = run(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit', '--strict'], { cwd: app });
    check(`consumer.ts type-checks with --strict against the published .d.ts (skipLibCheck off, ${tsc.seconds} s)`, tsc.status === 0, tail(tsc.stdout + tsc.stderr));

    // ---- 4. one example, four backends, only the import line differs --------------------------
    const template = readFileSync(join(HERE, 'example.mjs'), 'utf8');
    const importLine = "from '@rnnkit/backend-js';";
    if (template.split(importLine).length !== 2) throw new Error(`example.mjs: expected exactly one ${importLine}`);
    const needXvfb = !process.env.DISPLAY && hasCommand('xvfb-run');
    const results = {};
    for (const dir of BACKENDS) {
      const file = `example-${dir}.mjs`;
      const source = template.replace(importLine, `from '@rnnkit/${dir}';`);
      writeFileSync(join(app, file), source);
      const diff = template.split('\n').filter((l, i) => l !== source.split('\n')[i]);
      check(`example-${dir}.mjs differs from the template only in the import line`, diff.length === (dir === BACKENDS[0] ? 0 : 1) && diff.every((l) => l.includes(importLine)));
      const [cmd, args] = needXvfb ? ['xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', process.execPath, file]] : [process.execPath, [file]];
      const r = run(cmd, args, { cwd: app, env: inherited });
      let out;
      try {
        out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '');
      } catch {
        out = undefined;
      }
      if (!check(`example on @rnnkit/${dir} runs (${r.seconds} s)`, r.status === 0 && out !== undefined, tail(r.stderr + r.stdout))) continue;
      results[dir] = out;
      console.log(`     ${dir}: backend ${out.name} (${out.device}), training loss ${out.loss.toFixed(6)}`);
      check(`@rnnkit/${dir} reports its backend name`, EXPECTED_NAME[dir].test(out.name), `got ${out.name}`);
      // Training must move the logits far more than the tolerance, or the comparison below could not catch a broken update.
      check(`@rnnkit/${dir}: four Adam steps moved the logits by ${out.trainingEffect?.toExponential(2)} ≥ ${10 * TOLERANCE}`, out.trainingEffect >= 10 * TOLERANCE);
      check(`@rnnkit/${dir} predicts [8, 10] finite logits`, JSON.stringify(out.shape) === '[8,10]' && out.logits.length === 80 && out.logits.every(Number.isFinite));
    }
    const ref = results[BACKENDS[0]];
    // backend-js runs its recurrent layers on every core from an installed package (the worker
    // threads load the published dist/fast/recurrent-worker.js), and the example above used them.
    const cores = Math.min(8, availableParallelism());
    const wantDevice = `cpu (pure TypeScript, ${cores} thread${cores > 1 ? 's' : ''})`;
    check(`@rnnkit/backend-js from the tarball runs on ${cores} thread(s): ${ref?.device}`, ref?.device === wantDevice, `expected ${wantDevice}`);
    for (const dir of BACKENDS.slice(1)) {
      const got = results[dir];
      if (!ref || !got) {
        check(`${dir} agrees with backend-js`, false, 'a run failed');
        continue;
      }
      let maxDiff = 0;
      for (let i = 0; i < ref.logits.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref.logits[i] - got.logits[i]));
      const argmax = (a, r) => a.slice(r * 10, r * 10 + 10).indexOf(Math.max(...a.slice(r * 10, r * 10 + 10)));
      const sameClasses = Array.from({ length: 8 }, (_, r) => argmax(ref.logits, r) === argmax(got.logits, r)).every(Boolean);
      const lossDiff = Math.abs(ref.loss - got.loss);
      check(
        `${dir} predicts what backend-js predicts (max |Δ logit| ${maxDiff.toExponential(2)} ≤ ${TOLERANCE}, |Δ loss| ${lossDiff.toExponential(2)})`,
        maxDiff <= TOLERANCE && lossDiff <= TOLERANCE && sameClasses,
        sameClasses ? '' : 'predicted classes differ',
      );
    }

    // ---- 5. the published conformance suite on the published backend-js ------------------------
    writeFileSync(
      join(app, 'conformance.test.mjs'),
      "import { describeConformance } from '@rnnkit/conformance';\nimport { createJsBackend } from '@rnnkit/backend-js';\ndescribeConformance(() => createJsBackend(), { leakSteps: 50 });\n",
    );
    const vt = run(process.execPath, [join(app, 'node_modules/vitest/vitest.mjs'), 'run', 'conformance.test.mjs'], { cwd: app, env: { ...inherited, NO_COLOR: '1', CI: '1' } });
    const count = (vt.stdout + vt.stderr).match(/Tests\s+(\d+ passed[^\n]*)/)?.[1] ?? '?';
    check(`@rnnkit/conformance from its tarball certifies @rnnkit/backend-js from its tarball (${count}, ${vt.seconds} s)`, vt.status === 0, tail(vt.stdout + vt.stderr));
  }
} catch (e) {
  check('packaging test ran to the end', false, e instanceof Error ? e.stack : String(e));
} finally {
  if (keep) console.log(`     kept ${work} (RNNKIT_PACK_KEEP=1)`);
  else rmSync(work, { recursive: true, force: true });
}

console.log(`packaging: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
