// The npm package as a user gets it: packed from this checkout (prebuild included), installed
// into an empty project, and used from there: the library example runs, the install says what it
// did not download, and `npx stormbreaker-deps` then makes another backend work.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ROOT, run } from '../helpers/servers';
import { fixturePath } from '../helpers/fixtures';

const NPM = 'npm';
let work: string;
let tarball: string;
let app: string;
let files: string[];
let installOutput: string;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-package-'));
  // npm pack runs the prepack script: the prebuild (prebuilds/linux-x64) and the compiled dist/src.
  const packed = await run(NPM, ['pack', '--silent', '--pack-destination', work], undefined, { cwd: ROOT });
  assert.equal(packed.code, 0, packed.stderr);
  tarball = path.join(work, packed.stdout.trim().split('\n').pop()!);
  files = (await run('tar', ['-tzf', tarball])).stdout.split('\n').filter(Boolean);

  app = path.join(work, 'app');
  fs.mkdirSync(app);
  // allowScripts: npm 11 runs a dependency's install script only once the project allows it.
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, allowScripts: { [`file:${tarball}`]: true } }));
  const installed = await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], undefined, { cwd: app });
  installOutput = installed.stdout + installed.stderr;
  assert.equal(installed.code, 0, installOutput);
}, 300_000);

afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('ships the library, the prebuild and the sources to rebuild them, and no tests, benchmarks or build trees', () => {
    for (const f of ['package/dist/src/index.js', 'package/dist/src/index.d.ts', 'package/prebuilds/linux-x64/stormbreaker.node',
      'package/prebuilds/linux-x64/libstormbreaker_torch.so', 'package/prebuilds/linux-x64/libstormbreaker_onnx.so',
      'package/scripts/stormbreaker-deps.js', 'package/get_deps.sh', 'package/CMakeLists.txt', 'package/docs/commands.md']) {
      assert.ok(files.includes(f), `${f} is in the package`);
    }
    const unwanted = files.filter((f) => /^package\/(test|build|deps|bench|dist\/test|dist\/scripts|scripts\/bench|node_modules)\//.test(f));
    assert.deepEqual(unwanted, []);
  });

  it('installs without downloading anything, and says what runs and what npx stormbreaker-deps would fetch', () => {
    assert.match(installOutput, /stormbreaker: prebuilt addon for linux-x64 loaded; backends ready: TORCH/);
    assert.match(installOutput, /stormbreaker:   ONNX needs libonnxruntime\.so\.1/);
    assert.match(installOutput, /`npx stormbreaker-deps` \(or installing with STORMBREAKER_FETCH_DEPS=1\) would fetch:/);
    assert.match(installOutput, /get_deps: to fetch \(about \d+ MB to download, \d+ MB of disk/);
    assert.match(installOutput, /npm onnxruntime-node@[\d.]+ \(its libonnxruntime\.so\.1, ONNX backend\)/);
    assert.ok(!fs.existsSync(path.join(app, 'node_modules', 'stormbreaker', 'deps', 'onnxruntime')), 'nothing was fetched');
  });

  it('runs the library example from the installed package', async () => {
    fs.cpSync(path.join(app, 'node_modules', 'stormbreaker', 'examples'), path.join(app, 'examples'), { recursive: true });
    const r = await run(process.execPath, [path.join(app, 'examples', 'library.mjs')], undefined, { cwd: app });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^model a \+ a = \[ 2, 4, 6, 8 \]$/m);
    assert.match(r.stdout, /^dag: OK \[ 2, 4, 6, 8 \] \| persisted: \[ 2, 4, 6, 8 \]$/m);
  });

  it('names npx stormbreaker-deps for a backend whose library is missing, and runs it once that fetched it', async () => {
    const script = `
      const { Engine } = require('stormbreaker');
      const engine = new Engine();
      engine.storeModel('iris', { backend: 'ONNX', device: 'CPU', blob: require('fs').readFileSync(process.argv[1]) })
        .then(() => engine.runModel('iris', [require('stormbreaker').Tensor.fromArray([[5.1, 3.5, 1.4, 0.2]], 'FLOAT')]))
        .then(([y]) => console.log('iris', y.toArray()[0]), (err) => console.log(err.message));`;
    const before = await run(process.execPath, ['-e', script, fixturePath('linear_iris.onnx')], undefined, { cwd: app });
    assert.match(before.stdout, /^ERR Could not load backend ONNX: libonnxruntime\.so\.1: cannot open shared object file.*npx stormbreaker-deps/m);
    // The checkout's download cache: the same pinned tarball, fetched by its own get_deps.sh already.
    const env = { ...process.env, STORMBREAKER_DEPS_CACHE: path.join(ROOT, 'deps', 'cache') };
    const fetched = await run('npx', ['--no-install', 'stormbreaker-deps', '--backends=onnx'], undefined, { cwd: app, env });
    assert.equal(fetched.code, 0, fetched.stdout + fetched.stderr);
    const after = await run(process.execPath, ['-e', script, fixturePath('linear_iris.onnx')], undefined, { cwd: app });
    assert.equal(after.stdout.trim(), 'iris -0.09052407741546631');
  });
});
