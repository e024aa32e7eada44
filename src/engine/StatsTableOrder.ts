import { Buffer } from 'node:buffer';

/**
 * The order in which RedisAI's AI._MODELSCAN and AI._SCRIPTSCAN list their keys, reproduced.
 *
 * RedisAI lists the entries of its run-statistics table (one table for models and scripts, keyed
 * by key name) in that table's iteration order. The table is its copy of Redis's dict: chained
 * buckets in index order, a new entry at the head of its bucket, SipHash-1-2 of the key bytes
 * under a seed RedisAI never sets (all zero bytes), 4 buckets at first, doubled past the number
 * of entries when an insertion finds them full, never shrunk (a deleted entry leaves its bucket,
 * the table keeps its size). So the order is not arbitrary: it is a function of the keys and of
 * the order they were stored, and redisai-py's own test suite compares it exactly
 * (`test_model_scan` expects `pt_model` before `m`, `test_script_scan` `ket1` before `ket2`).
 *
 * Redis rehashes into a grown table a bucket per table operation; this table rehashes at once.
 * The order is RedisAI's whenever its table is not in the middle of a rehash (a few operations
 * after each doubling).
 */
export class StatsTableOrder {
  /** The buckets, each from its head; empty until the first entry. */
  private buckets: string[][] = [];
  private readonly hashes = new Map<string, bigint>();

  /** Adds `name` (absent) as the table does: at the head of its bucket, after growing if full. */
  insert(name: string): void {
    if (this.buckets.length === 0) this.buckets = emptyBuckets(INITIAL_SIZE);
    else if (this.hashes.size >= this.buckets.length) this.grow(nextPower(this.hashes.size * 2));
    const hash = siphash12(Buffer.from(name, 'latin1'));
    this.hashes.set(name, hash);
    this.bucketOf(hash).unshift(name);
  }

  delete(name: string): void {
    const hash = this.hashes.get(name);
    if (hash === undefined) return;
    this.hashes.delete(name);
    const bucket = this.bucketOf(hash);
    bucket.splice(bucket.indexOf(name), 1);
  }

  /** Every name, in iteration order. */
  names(): string[] {
    return this.buckets.flat();
  }

  private bucketOf(hash: bigint): string[] {
    return this.buckets[Number(hash & BigInt(this.buckets.length - 1))];
  }

  /** Moves every entry to a table of `size` buckets as dictRehash does: bucket by bucket, each entry to the head of its new bucket. */
  private grow(size: number): void {
    const old = this.buckets;
    this.buckets = emptyBuckets(size);
    for (const bucket of old) for (const name of bucket) this.bucketOf(this.hashes.get(name)!).unshift(name);
  }
}

/** DICT_HT_INITIAL_SIZE. */
const INITIAL_SIZE = 4;

function emptyBuckets(size: number): string[][] {
  return Array.from({ length: size }, () => []);
}

function nextPower(n: number): number {
  let size = INITIAL_SIZE;
  while (size < n) size *= 2;
  return size;
}

const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;

/** Redis's siphash() (SipHash-1-2, 64-bit result) of `bytes` under an all-zero key. */
export function siphash12(bytes: Uint8Array): bigint {
  // The key's two halves are zero, so the state starts as the constants themselves.
  let v0 = 0x736f6d6570736575n;
  let v1 = 0x646f72616e646f6dn;
  let v2 = 0x6c7967656e657261n;
  let v3 = 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const whole = bytes.length - (bytes.length % 8);
  const word = (at: number, n: number): bigint => {
    let m = 0n;
    for (let i = n - 1; i >= 0; i--) m = (m << 8n) | BigInt(bytes[at + i]);
    return m;
  };
  for (let at = 0; at < whole; at += 8) {
    const m = word(at, 8);
    v3 ^= m;
    round();
    v0 ^= m;
  }
  const last = (BigInt(bytes.length & 0xff) << 56n) | word(whole, bytes.length - whole);
  v3 ^= last;
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  round();
  round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}
