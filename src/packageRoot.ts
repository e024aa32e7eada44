// The folder of Stormbreaker's own package.json: the root that build/, prebuilds/ and deps/ hang off.
// Found by walking up from this file, so it is right both when the compiled dist/src/ runs (a clone,
// or an installed package) and when the TypeScript sources run directly (the tests, under Jest).
import * as fs from 'node:fs';
import * as path from 'node:path';

function findPackageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start, '..', '..');
  }
}

/** Stormbreaker's package root. */
export const PACKAGE_ROOT = findPackageRoot(__dirname);
