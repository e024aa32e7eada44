// Redis's glob matching (stringmatchlen): * ? [abc] [^a] [a-z] and \x escapes, on bytes held as
// one-char-per-byte strings. Case-sensitive unless `nocase`.

export function globMatch(pattern: string, text: string, nocase = false): boolean {
  if (nocase) {
    pattern = pattern.toLowerCase();
    text = text.toLowerCase();
  }
  return matchFrom(pattern, 0, text, 0, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number, depth: number): boolean {
  if (depth > 1000) return false; // pathological patterns: refuse rather than recurse without end
  while (pi < p.length) {
    const c = p[pi];
    if (c === '*') {
      while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi + 1, s, k, depth + 1)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let matched = false;
      for (;;) {
        if (pi >= p.length) {
          pi--; // unterminated class: Redis treats the end as closing it
          break;
        }
        if (p[pi] === '\\' && pi + 1 < p.length) {
          pi++;
          if (p[pi] === s[si]) matched = true;
        } else if (p[pi] === ']') {
          break;
        } else if (pi + 2 < p.length && p[pi + 1] === '-') {
          let lo = p[pi];
          let hi = p[pi + 2];
          if (lo > hi) [lo, hi] = [hi, lo];
          if (s[si] >= lo && s[si] <= hi) matched = true;
          pi += 2;
        } else if (p[pi] === s[si]) {
          matched = true;
        }
        pi++;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      pi++;
      si++;
      continue;
    }
    if (c === '\\' && pi + 1 < p.length) pi++;
    if (p[pi] !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}
