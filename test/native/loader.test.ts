import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { ROOT, run } from '../helpers/servers';

describe('native addon loader', () => {
  it('names the commands that fix a missing build, for an installed package and for a clone', async () => {
    // A copy of the compiled loader in a package folder with neither build/ nor prebuilds/.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-loader-'));
    try {
      fs.mkdirSync(path.join(dir, 'dist', 'src'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'package.json'), '{"name":"stormbreaker"}');
      for (const file of ['native.js', 'packageRoot.js', 'errors.js']) {
        fs.copyFileSync(path.join(ROOT, 'dist', 'src', file), path.join(dir, 'dist', 'src', file));
      }
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
      // Without STORMBREAKER_ADDON (npm run test:asan sets it to its own build).
      const env = { ...process.env, STORMBREAKER_ADDON: '' };
      const r = await run(process.execPath, ['-e', `require(${JSON.stringify(path.join(dir, 'dist', 'src', 'native.js'))})`], undefined, { env });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /Stormbreaker's native addon could not be loaded \(No native build was found/);
      assert.match(r.stderr, /1\. in a project that installed stormbreaker: npx stormbreaker-deps/);
      assert.match(r.stderr, /2\. in a clone of the repository: npm run build:native/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('backend loading', () => {
  it('loads a backend library off the event loop: the loop keeps turning while libtorch loads', async () => {
    // A fresh process, so that no backend is loaded yet.
    const script = `
      const { native } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'native.js'))});
      const { backendFileName } = require(${JSON.stringify(path.join(ROOT, 'dist', 'src', 'backends', 'loadBackend.js'))});
      let turns = 0, done = false;
      const spin = () => { turns++; if (!done) setImmediate(spin); };
      setImmediate(spin);
      native.loadBackend('TORCH', require('path').join(${JSON.stringify(path.join(ROOT, 'build', 'Release'))}, backendFileName('TORCH')))
        .then((version) => { done = true; console.log(JSON.stringify({ version, turns, loaded: native.backendVersion('TORCH') })); });`;
    const r = await run(process.execPath, ['-e', script]);
    assert.equal(r.code, 0, r.stderr);
    const { version, turns, loaded } = JSON.parse(r.stdout) as { version: string; turns: number; loaded: string };
    assert.equal(version, 'NA');
    assert.equal(loaded, 'NA');
    assert.ok(turns > 2, `the event loop turned ${turns} times while the backend loaded`);
  });
});
