// LZF decompression (liblzf's format), which Redis uses for strings over 20 bytes in DUMP payloads
// and RDB files when rdbcompression is on (the default). We only read it: our own payloads are
// written uncompressed, which every Redis reads.

/** Expands LZF `input` into exactly `length` bytes; undefined when the data is damaged. */
import { Buffer } from 'node:buffer';
export function lzfDecompress(input: Uint8Array, length: number): Buffer | undefined {
  const out = Buffer.allocUnsafe(length);
  let i = 0;
  let o = 0;
  while (i < input.length) {
    const control = input[i++];
    if (control < 32) {
      // A literal run of control + 1 bytes.
      const run = control + 1;
      if (i + run > input.length || o + run > length) return undefined;
      out.set(input.subarray(i, i + run), o);
      i += run;
      o += run;
    } else {
      // A back reference: length in the top 3 bits (7 means one more length byte), offset in 13.
      let run = control >> 5;
      if (run === 7) {
        if (i >= input.length) return undefined;
        run += input[i++];
      }
      run += 2;
      if (i >= input.length) return undefined;
      const from = o - ((control & 0x1f) << 8) - input[i++] - 1;
      if (from < 0 || o + run > length) return undefined;
      // Byte by byte: the reference may overlap what it writes.
      for (let k = 0; k < run; k++) out[o++] = out[from + k];
    }
  }
  return o === length ? out : undefined;
}
