import type { KeyWrite, ScanPage } from '../../src/store/Keyspace';
import { MemoryKeyspace } from '../../src/store/MemoryKeyspace';
import type { StoredValue } from '../../src/store/StoredValue';

/**
 * The embedded store behaving, at the seam, as a store that keeps the data elsewhere must be
 * able to: it asks the server for load/flush around every command (prefetches), answers each
 * after a real event-loop turn (as a round trip would, so other clients' commands run in
 * between), and notes every read or write of a key that no command in flight declared. A remote
 * store could serve exactly the commands that leave `undeclared` empty, with one round trip
 * to fetch and one to write per command.
 */
export class BatchCheckingKeyspace extends MemoryKeyspace {
  override readonly prefetches = true;
  loads = 0;
  flushes = 0;
  /** Keys touched although no command in flight had declared them, with what touched them. */
  readonly undeclared: string[] = [];
  private readonly declared = new Map<string, number>();
  private everything = 0;

  override load(names: readonly string[] | 'all'): Promise<void> {
    this.loads++;
    if (names === 'all') this.everything++;
    else for (const name of names) this.declared.set(name, (this.declared.get(name) ?? 0) + 1);
    return new Promise((resolve) => setImmediate(resolve));
  }

  override flush(names: readonly string[] | 'all'): Promise<void> {
    this.flushes++;
    if (names === 'all') this.everything--;
    else {
      for (const name of names) {
        const left = this.declared.get(name)! - 1;
        if (left === 0) this.declared.delete(name);
        else this.declared.set(name, left);
      }
    }
    return new Promise((resolve) => setImmediate(resolve));
  }

  private touch(name: string, how: string): void {
    if (this.everything === 0 && !this.declared.has(name)) this.undeclared.push(`${how} ${name}`);
  }

  override get(name: string): StoredValue | undefined {
    this.touch(name, 'get');
    return super.get(name);
  }

  override getMany(names: readonly string[]): Array<StoredValue | undefined> {
    for (const name of names) this.touch(name, 'get');
    return super.getMany(names);
  }

  override has(name: string): boolean {
    this.touch(name, 'has');
    return super.has(name);
  }

  override commit(writes: readonly KeyWrite[]): void {
    for (const { name } of writes) this.touch(name, 'write');
    super.commit(writes);
  }

  override set(name: string, value: StoredValue): void {
    this.touch(name, 'write');
    super.set(name, value);
  }

  override delete(name: string): boolean {
    this.touch(name, 'delete');
    return super.delete(name);
  }

  override expiresAt(name: string): number | undefined {
    this.touch(name, 'expiry of');
    return super.expiresAt(name);
  }

  override setExpiry(name: string, at: number | undefined): void {
    this.touch(name, 'expiry of');
    super.setExpiry(name, at);
  }

  override scan(cursor: number, count: number): ScanPage {
    if (this.everything === 0) this.undeclared.push('scan');
    return super.scan(cursor, count);
  }
}
