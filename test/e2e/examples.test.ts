// Every example of the README runs as written: each ```sh block of redis-cli commands against a
// real server process (from the repository root, as the README says), and the library program,
// which the README shows verbatim.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { ROOT, run, startServerProcess } from '../helpers/servers';
import { FIXTURES, fixture } from '../helpers/fixtures';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const cliBlocks = [...README.matchAll(/```sh\n(redis-cli [\s\S]*?)```/g)].map((m) => m[1]);

// What each block prints, in README order (redis-cli without a terminal prints one value a line).
const EXPECTED = [
  'OK\ndtype\nFLOAT\nshape\n2\n2\nvalues\n1\n2\n3\n4\n',
  'OK\nOK\n2\n4\n6\n8\n',
  'OK\nOK\n2\n4\n6\n8\n',
  'OK\nOK\n3\n6\n9\n12\n',
  'OK\nOK\nOK\nOK\nOK\nOK\n20\ndtype\nFLOAT\nshape\n1\n4\n',
];

let port: number;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ port, stop } = await startServerProcess());
});
afterAll(() => stop());

describe('fixtures', () => {
  it('a missing one fails at once, naming the file and how to get it back', () => {
    assert.throws(() => fixture('no-such-model.pt'), {
      message: `test fixture no-such-model.pt is missing from ${FIXTURES}: it is part of the repository; ` +
        'restore it with `git checkout -- test/fixtures/redisai/no-such-model.pt`',
    });
    assert.equal(fixture('one.raw').length, 784 * 4, 'the ones the tests use are there');
  });
});

describe('README examples', () => {
  it('has the redis-cli blocks this test knows the output of', () => {
    assert.equal(cliBlocks.length, EXPECTED.length, `README redis-cli blocks:\n${cliBlocks.join('---\n')}`);
  });

  for (const [i, expected] of EXPECTED.entries()) {
    it(`redis-cli block ${i + 1} runs as written`, async () => {
      // The blocks say `redis-cli` (port 6379); this server listens on its own port.
      const script = `redis-cli() { command redis-cli -p ${port} "$@"; }\nset -e\n${cliBlocks[i]}`;
      const r = await run('bash', ['-c', script], undefined, { cwd: ROOT });
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, expected, cliBlocks[i]);
      // A block that writes a picture (the detector's) wrote it where it says; the test takes it away.
      for (const picture of cliBlocks[i].match(/\S+\.png/g) ?? []) {
        const written = path.join(ROOT, picture);
        assert.ok(fs.statSync(written).size > 10_000, `${picture} was written`);
        fs.rmSync(written);
      }
    });
  }

  it('shows examples/library.mjs as it is, and the program runs', async () => {
    const program = fs.readFileSync(path.join(ROOT, 'examples', 'library.mjs'), 'utf8');
    const code = program.slice(program.indexOf('import '));
    assert.ok(README.includes('```js\n' + code + '```\n'), 'the README shows examples/library.mjs less its opening comment');
    const r = await run(process.execPath, [path.join(ROOT, 'examples', 'library.mjs')], undefined, { cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.replace(/port \d+/, 'port N'), [
      "a [ 2, 2 ] [ 1, 2, 3, 4 ] | b INT32 [ 2, 2 ] | s [ 'hello', 'wörld' ]",
      'getTensor returns the same tensor: true',
      'model a + a = [ 2, 4, 6, 8 ]',
      'script a * 2 + a = [ 3, 6, 9, 12 ]',
      'dag: OK [ 2, 4, 6, 8 ] | persisted: [ 2, 4, 6, 8 ]',
      'serving on port N; closing',
      '',
    ].join('\n'));
  });

  it('type-checks the library program against the package\'s declarations (strict, as a TypeScript user would)', async () => {
    const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
    const r = await run(process.execPath, [tsc, '--noEmit', '--allowJs', '--checkJs', '--strict', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', 'examples/library.mjs'], undefined, { cwd: ROOT });
    assert.equal(r.stdout + r.stderr, '');
    assert.equal(r.code, 0);
  });
});

describe('examples/detect.py and detect_redisai.py (redis-py and redisai-py: the detector pipeline of RedisAI\'s launch example)', () => {
  it('finds the dog and the cat, prints them and writes the photos with their boxes drawn', async () => {
    const { toolEnv } = await import('../helpers/servers');
    const os = await import('node:os');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-detect-'));
    for (const [example, photo, label] of [['detect.py', 'dog.jpg', 'Dog 0.8'], ['detect.py', 'cat.jpg', 'Cat 0.9'], ['detect_redisai.py', 'dog.jpg', 'Dog 0.8']]) {
      const png = path.join(out, `${example}-${photo}.png`);
      const r = await run('/usr/bin/python3', [path.join(ROOT, 'examples', example), path.join(FIXTURES, photo), png, String(port)],
        undefined, { cwd: ROOT, env: toolEnv({ PYTHONPATH: path.join(ROOT, 'deps', 'python-clients') }) });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^${label}\\d at \\[`));
      assert.ok(fs.statSync(png).size > 10_000, 'the picture was written');
    }
    fs.rmSync(out, { recursive: true, force: true });
  });
});

describe('examples/detect/*.mjs (Node: the embedded library, and ioredis against the server)', () => {
  it('each finds the dog, prints it and writes the photo with its box drawn', async () => {
    const os = await import('node:os');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-detect-node-'));
    for (const [example, extra] of [['library.mjs', []], ['ioredis.mjs', [String(port)]]] as const) {
      const jpg = path.join(out, `${example}.jpg`);
      const r = await run(process.execPath, [path.join(ROOT, 'examples', 'detect', example), path.join(FIXTURES, 'dog.jpg'), jpg, ...extra],
        undefined, { cwd: ROOT });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Dog 0\.8\d at \[/, example);
      assert.ok(fs.statSync(jpg).size > 10_000, `${example} wrote the picture`);
    }
    fs.rmSync(out, { recursive: true, force: true });
  });
});
