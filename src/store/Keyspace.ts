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
/** One write of a commit: the new value of a key, or null to delete it. */
export interface KeyWrite {
  readonly name: string;
  readonly value: StoredValue | null;
}

/** What a command needs of the keys it loads. */
export interface LoadOptions {
  /**
   * Only what they are (kind, a tensor's dtype and shape), not their data: AI.TENSORGET META,
   * DEL, TYPE. A remote store then moves no blob.
   */
  readonly metaOnly?: boolean;
}

export interface Keyspace {
  /**
   * Whether the server must call load and flush around each command. A store that keeps the data
   * elsewhere sets it; the embedded store does not, so its commands pay nothing for the seam.
   */
  readonly prefetches: boolean;
  /**
   * Called before a command or DAG runs with every key it may read or write (Command.keysOf), or
   * 'all'. A store that keeps the data elsewhere fetches them here, in one round trip, and
   * returns a promise; the command then runs synchronously on what was fetched: reads (get,
   * getMany, has, expiresAt) and writes of those keys need no further round trip.
   */
  load(names: readonly string[] | 'all', options?: LoadOptions): Promise<void> | undefined;
  /**
   * Called once with the same names when that command or DAG has finished, its reply not yet
   * sent: a remote store sends the writes it made to them, all or nothing, in one round trip.
   */
  flush(names: readonly string[] | 'all'): Promise<void> | undefined;
  /**
   * The value, handed out: whoever asked may keep it (a DAG, a snapshot, a library caller), so the
   * store no longer treats it as its own alone (see `peek`).
   */
  get(name: string): StoredValue | undefined;
  /**
   * The value, looked at by a caller that keeps nothing of it past the current call (the write
   * path's "what was there", a type check, a reply made at once). The embedded store gives the
   * memory of a tensor only it held back when it drops the tensor (Tensor.releasable); `get`
   * ends that, `peek` does not.
   */
  peek(name: string): StoredValue | undefined;
  /**
   * The values of all the keys one command or DAG reads, in one call: a store that keeps the
   * data elsewhere answers it in one round trip.
   */
  getMany(names: readonly string[]): Array<StoredValue | undefined>;
  /**
   * All the writes of one command or DAG, applied together (a remote store: all or nothing, in
   * one round trip). Engine.write calls this for several keys, and `set`/`delete` for one.
   */
  commit(writes: readonly KeyWrite[]): void;
  set(name: string, value: StoredValue): void;
  delete(name: string): boolean;
  has(name: string): boolean;
  readonly size: number;
  names(): IterableIterator<string>;
  /** Redis SCAN semantics: a key present for the whole iteration is returned at least once. */
  scan(cursor: number, count: number): ScanPage;
  clear(): void;
  /**
   * When a key expires (Unix time in ms), or undefined when it does not. The store only keeps
   * the time: the engine decides when a key counts as gone and deletes it through its write
   * path. Deleting a key drops its time; setting its value leaves it (the engine clears it).
   */
  expiresAt(name: string): number | undefined;
  /** Sets or (undefined) clears the expiry time of an existing key. */
  setExpiry(name: string, at: number | undefined): void;
  /** Keys that have an expiry time, for the engine's periodic sweep. */
  readonly expiring: number;
  expiringNames(): IterableIterator<string>;
}
