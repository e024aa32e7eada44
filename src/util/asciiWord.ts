/**
 * Whether `arg` is the keyword `word` (given in upper case), compared on the bytes, ASCII
 * case-insensitively: commands have several keywords, and making a string of each was a
 * measurable part of parsing one.
 */
export function isWord(arg: Uint8Array | undefined, word: string): boolean {
  if (arg === undefined || arg.length !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = arg[i];
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}
