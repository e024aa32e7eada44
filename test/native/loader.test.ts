import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { ROOT, run } from '../helpers/servers';

describe('native addon loader', () => {
  it('names the command that fixes a missing build', async () => {
    // A copy of the compiled loader in a package folder with neither build/ nor prebuilds/.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-loader-'));
    fs.mkdirSync(path.join(dir, 'dist', 'src'), { recursive: true });
    fs.copyFileSync(path.join(ROOT, 'dist', 'src', 'native.js'), path.join(dir, 'dist', 'src', 'native.js'));
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    const r = await run(process.execPath, ['-e', `require(${JSON.stringify(path.join(dir, 'dist', 'src', 'native.js'))})`]);
    fs.rmSync(dir, { recursive: true, force: true });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Stormbreaker's native addon could not be loaded \(No native build was found/);
    assert.match(r.stderr, /npm run build:native/);
  });
});
