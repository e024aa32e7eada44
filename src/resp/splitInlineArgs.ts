// Splits an inline command line the way Redis's sdssplitargs does: spaces separate arguments;
// "double quotes" understand \n \r \t \b \a \\ \" and \xHH; 'single quotes' understand \'.
// A closing quote must be followed by a space or the end. Returns undefined on unbalanced quotes.

import { Buffer } from 'node:buffer';
const ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, a: 7 };
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

export function splitInlineArgs(line: Buffer): Buffer[] | undefined {
  const args: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return args;
    const current: number[] = [];
    let inDouble = false;
    let inSingle = false;
    for (;;) {
      if (inDouble) {
        if (i >= n) return undefined;
        const c = line[i];
        if (c === 92 /* \ */ && i + 3 < n && line[i + 1] === 120 /* x */ && isHex(line[i + 2]) && isHex(line[i + 3])) {
          current.push(parseInt(String.fromCharCode(line[i + 2], line[i + 3]), 16));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          const e = String.fromCharCode(line[i]);
          current.push(ESCAPES[e] ?? line[i]);
        } else if (c === 34 /* " */) {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inDouble = false;
          i++;
          break;
        } else {
          current.push(c);
        }
      } else if (inSingle) {
        if (i >= n) return undefined;
        const c = line[i];
        if (c === 92 && i + 1 < n && line[i + 1] === 39 /* ' */) {
          i++;
          current.push(39);
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(line[i + 1])) return undefined;
          inSingle = false;
          i++;
          break;
        } else {
          current.push(c);
        }
      } else {
        if (i >= n) break;
        const c = line[i];
        if (isSpace(c)) break;
        if (c === 34) inDouble = true;
        else if (c === 39) inSingle = true;
        else current.push(c);
      }
      i++;
    }
    args.push(Buffer.from(current));
  }
}
