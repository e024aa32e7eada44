// The CRC-64 Redis puts at the end of every DUMP payload (and RDB file): the "Jones" polynomial
// 0xad93d23594c935a9, reflected, initial value 0, no final xor. crc64('123456789') is
// 0xe9c6d914c4b8d9ca, the check value Redis's own tests use.

const POLY = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 with its bits reversed (reflected form)

// The byte-at-a-time table, kept as two 32-bit halves: BigInt per byte is slow for the megabytes
// of a model.
const TABLE_LO = new Uint32Array(256);
const TABLE_HI = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let crc = BigInt(n);
  for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ POLY : crc >> 1n;
  TABLE_LO[n] = Number(crc & 0xffffffffn);
  TABLE_HI[n] = Number(crc >> 32n);
}

/** The CRC-64 of `bytes`, as Redis computes it. */
export function crc64(bytes: Uint8Array): bigint {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < bytes.length; i++) {
    const index = (lo ^ bytes[i]) & 0xff;
    // crc = table[index] ^ (crc >> 8), on the two halves.
    const shiftedLo = (lo >>> 8) | ((hi & 0xff) << 24);
    const shiftedHi = hi >>> 8;
    lo = (TABLE_LO[index] ^ shiftedLo) >>> 0;
    hi = (TABLE_HI[index] ^ shiftedHi) >>> 0;
  }
  return (BigInt(hi) << 32n) | BigInt(lo);
}
