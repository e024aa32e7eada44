import type { StoredValue } from './StoredValue';

/** One page of a SCAN. */
export interface ScanPage {
  cursor: number;
  keys: string[];
}

/**
 * Where keys live. The embedded store is `MemoryKeyspace`; a store that keeps the data in an
 * existing Redis (its own issue) would implement this too. Key names are internal names (see keyName.ts).
 */
export interface Keyspace {
  get(name: string): StoredValue | undefined;
  set(name: string, value: StoredValue): void;
  delete(name: string): boolean;
  has(name: string): boolean;
  readonly size: number;
  names(): IterableIterator<string>;
  /** Redis SCAN semantics: a key present for the whole iteration is returned at least once. */
  scan(cursor: number, count: number): ScanPage;
  clear(): void;
}
