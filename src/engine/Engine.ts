import { Errors, StormbreakerError } from '../errors';
import type { Keyspace } from '../store/Keyspace';
import { keyName, keyText } from '../store/keyName';
import { MemoryKeyspace } from '../store/MemoryKeyspace';
import { StoredValue, TYPE_NAME } from '../store/StoredValue';
import { Tensor } from '../tensor/Tensor';

export interface EngineOptions {
  /** Where keys live; defaults to a new in-memory keyspace. */
  keyspace?: Keyspace;
}

/** A key as a library user passes it: text (UTF-8) or raw bytes. */
export type Key = string | Uint8Array;

/**
 * The core both faces use: the RESP server's commands and library users call the same methods.
 * Errors are `StormbreakerError`s carrying the exact wire text.
 *
 * @example
 * const engine = new Engine();
 * engine.setTensor('a', Tensor.fromArray([[1, 2], [3, 4]], 'FLOAT'));
 * engine.getTensor('a').toArray();  // [1, 2, 3, 4]
 */
export class Engine {
  /** The keyspace (shared with any server started on this engine). */
  readonly keyspace: Keyspace;
  /** Bumped on every write; `INFO` reports changes since start. */
  changes = 0;

  constructor(options: EngineOptions = {}) {
    this.keyspace = options.keyspace ?? new MemoryKeyspace();
  }

  /** Stores a tensor, replacing a tensor already there; another kind of value is WRONGTYPE. */
  setTensor(key: Key, tensor: Tensor): void {
    const name = keyName(key);
    const existing = this.keyspace.get(name);
    if (existing !== undefined && existing.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    this.keyspace.set(name, { kind: 'tensor', tensor });
    this.changes++;
  }

  /** The tensor at `key`; a missing key and another kind of value are errors, as on the wire. */
  getTensor(key: Key): Tensor {
    const value = this.keyspace.get(keyName(key));
    if (value === undefined) throw new StormbreakerError(Errors.tensorKeyEmpty);
    if (value.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
    return value.tensor;
  }

  /** The value at `key`, if any. */
  get(key: Key): StoredValue | undefined {
    return this.keyspace.get(keyName(key));
  }

  /** Stores any value (replacing whatever was there, as SET does). */
  set(key: Key, value: StoredValue): void {
    this.keyspace.set(keyName(key), value);
    this.changes++;
  }

  /** Deletes keys; returns how many existed. */
  delete(...keys: Key[]): number {
    let n = 0;
    for (const k of keys) if (this.keyspace.delete(keyName(k))) n++;
    this.changes += n;
    return n;
  }

  exists(key: Key): boolean {
    return this.keyspace.has(keyName(key));
  }

  /** `TYPE` of a key: 'none', 'string', 'AI_TENSOR', … */
  type(key: Key): string {
    const value = this.keyspace.get(keyName(key));
    return value === undefined ? 'none' : TYPE_NAME[value.kind];
  }

  /** Renames a key, replacing the destination. */
  rename(from: Key, to: Key): void {
    const source = keyName(from);
    const value = this.keyspace.get(source);
    if (value === undefined) throw new StormbreakerError(Errors.noSuchKey);
    const target = keyName(to);
    if (source === target) return;
    this.keyspace.delete(target);
    this.keyspace.delete(source);
    this.keyspace.set(target, value);
    this.changes++;
  }

  /** All key names, decoded as UTF-8 text. */
  keys(): string[] {
    return Array.from(this.keyspace.names(), keyText);
  }

  get size(): number {
    return this.keyspace.size;
  }

  /** Removes every key. */
  flush(): void {
    this.changes += this.keyspace.size;
    this.keyspace.clear();
  }
}
