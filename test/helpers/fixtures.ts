// The real model and data files the tests, examples and benchmarks read: all in the repository
// (test/fixtures/redisai, ~4 MB). A missing one fails at once, naming it and how to get it back,
// instead of surfacing later as an ENOENT deep inside a test.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The project root: the nearest folder above this file with a package.json (this file runs from test/ under Jest and from dist/test/ in benchmarks). */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export const ROOT = projectRoot();
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'redisai');

/** The absolute path of a fixture file; throws if the file is not there. */
export function fixturePath(name: string): string {
  const file = path.join(FIXTURES, name);
  if (!fs.existsSync(file)) {
    throw new Error(`test fixture ${name} is missing from ${FIXTURES}: it is part of the repository; ` +
      `restore it with \`git checkout -- test/fixtures/redisai/${name}\``);
  }
  return file;
}

/** A fixture file's bytes. */
export function fixture(name: string): Buffer {
  return fs.readFileSync(fixturePath(name));
}
