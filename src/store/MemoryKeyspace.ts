import type { Keyspace, KeyWrite, ScanPage } from './Keyspace';
import type { StoredValue } from './StoredValue';

interface Entry {
  value: StoredValue;
  /** Insertion sequence: SCAN cursors are sequence numbers, stable under deletes. */
  readonly seq: number;
}

/** A value handed out of the store (Keyspace.get): a tensor in it is no longer the store's alone. */
function handedOut(value: StoredValue | undefined): StoredValue | undefined {
  if (value !== undefined && value.kind === 'tensor') value.tensor.releasable = false;
  return value;
}

/** A value the store no longer holds: a tensor that only the store had gives its memory back now. */
function dropped(value: StoredValue): void {
  if (value.kind === 'tensor' && value.tensor.releasable) value.tensor.release();
}

/** The embedded in-process store: a Map in insertion order. */
export class MemoryKeyspace implements Keyspace {
  private readonly entries = new Map<string, Entry>();
  /** Expiry times (Unix ms) of the keys that have one. */
  private readonly expiries = new Map<string, number>();
  private nextSeq = 1;
  // Live Map iterators of scans in progress, by the cursor they continue from (with the entry
  // they stopped at), so a full SCAN costs O(n) overall instead of re-skipping on every call.
  private readonly scans = new Map<number, { iterator: IterableIterator<[string, Entry]>; first: [string, Entry] }>();

  /** Everything is at hand: no load or flush around commands. */
  readonly prefetches: boolean = false;

  load(_names: readonly string[] | 'all'): Promise<void> | undefined {
    return undefined;
  }

  flush(_names: readonly string[] | 'all'): Promise<void> | undefined {
    return undefined;
  }

  get(name: string): StoredValue | undefined {
    return handedOut(this.entries.get(name)?.value);
  }

  peek(name: string): StoredValue | undefined {
    return this.entries.get(name)?.value;
  }

  getMany(names: readonly string[]): Array<StoredValue | undefined> {
    return names.map((name) => handedOut(this.entries.get(name)?.value));
  }

  commit(writes: readonly KeyWrite[]): void {
    for (const { name, value } of writes) {
      if (value === null) this.delete(name);
      else this.set(name, value);
    }
  }

  set(name: string, value: StoredValue): void {
    const entry = this.entries.get(name);
    if (entry !== undefined) {
      if (entry.value !== value) dropped(entry.value);
      entry.value = value;
    } else {
      this.entries.set(name, { value, seq: this.nextSeq++ });
    }
  }

  delete(name: string): boolean {
    if (this.expiries.size > 0) this.expiries.delete(name);
    const entry = this.entries.get(name);
    if (entry === undefined) return false;
    this.entries.delete(name);
    dropped(entry.value);
    return true;
  }

  expiresAt(name: string): number | undefined {
    return this.expiries.size === 0 ? undefined : this.expiries.get(name);
  }

  setExpiry(name: string, at: number | undefined): void {
    if (at === undefined) this.expiries.delete(name);
    else if (this.entries.has(name)) this.expiries.set(name, at);
  }

  get expiring(): number {
    return this.expiries.size;
  }

  expiringNames(): IterableIterator<string> {
    return this.expiries.keys();
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  get size(): number {
    return this.entries.size;
  }

  names(): IterableIterator<string> {
    return this.entries.keys();
  }

  scan(cursor: number, count: number): ScanPage {
    const resumed = this.scans.get(cursor);
    this.scans.delete(cursor);
    let iterator: IterableIterator<[string, Entry]>;
    let first: [string, Entry] | undefined;
    if (resumed !== undefined) {
      ({ iterator, first } = resumed);
    } else {
      iterator = this.entries.entries();
      for (let step = iterator.next(); !step.done; step = iterator.next()) {
        if (step.value[1].seq >= cursor) {
          first = step.value;
          break;
        }
      }
    }
    const keys: string[] = [];
    // An entry deleted since the page that found it is skipped (it is no longer the same entry).
    const take = (item: [string, Entry]) => {
      if (this.entries.get(item[0]) === item[1]) keys.push(item[0]);
    };
    if (first === undefined) return { cursor: 0, keys };
    take(first);
    for (;;) {
      const step = iterator.next();
      if (step.done) return { cursor: 0, keys };
      if (keys.length >= count) {
        const next = step.value[1].seq;
        if (this.scans.size >= 64) this.scans.delete(this.scans.keys().next().value!);
        this.scans.set(next, { iterator, first: step.value });
        return { cursor: next, keys };
      }
      take(step.value);
    }
  }

  clear(): void {
    for (const entry of this.entries.values()) dropped(entry.value);
    this.entries.clear();
    this.expiries.clear();
    this.scans.clear();
  }
}
