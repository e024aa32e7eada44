// Redis's slow log: commands that took longer than slowlog-log-slower-than µs, newest first, at
// most slowlog-max-len of them. A command that runs on a device counts from its dispatch to its
// reply (the run included), as RedisAI's blocked commands do, so a slow model shows up here.

/** Redis's limits on what one entry keeps of a command (SLOWLOG_ENTRY_MAX_ARGC / _STRING). */
import { Buffer } from 'node:buffer';
const MAX_ARGS = 32;
const MAX_ARG_BYTES = 128;

export interface SlowLogEntry {
  readonly id: number;
  /** Unix time in seconds when the command finished. */
  readonly time: number;
  readonly micros: number;
  readonly args: readonly Buffer[];
  readonly address: string;
  readonly clientName: string;
}

export class SlowLog {
  /** µs; negative turns the log off, 0 logs every command (Redis's default is 10000). */
  slowerThan = 10_000;
  maxLength = 128;
  private entries: SlowLogEntry[] = [];
  private nextId = 0;

  consider(args: readonly Buffer[], micros: number, address: string, clientName: string): void {
    if (this.slowerThan < 0 || micros < this.slowerThan) return;
    this.entries.unshift({ id: this.nextId++, time: Math.floor(Date.now() / 1000), micros, args: kept(args), address, clientName });
    if (this.entries.length > this.maxLength) this.entries.length = this.maxLength;
  }

  /** The newest `count` entries (all of them for -1). */
  newest(count: number): readonly SlowLogEntry[] {
    return count < 0 ? this.entries.slice() : this.entries.slice(0, count);
  }

  get length(): number {
    return this.entries.length;
  }

  reset(): void {
    this.entries = [];
  }

  /** Applies a lower slowlog-max-len at once, as Redis does. */
  trim(): void {
    if (this.entries.length > this.maxLength) this.entries.length = this.maxLength;
  }
}

/** What an entry keeps of a command: copies (the arguments may be views of a socket read), shortened as Redis does. */
function kept(args: readonly Buffer[]): Buffer[] {
  const count = Math.min(args.length, MAX_ARGS);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (i === MAX_ARGS - 1 && args.length > MAX_ARGS) {
      out.push(Buffer.from(`... (${args.length - MAX_ARGS + 1} more arguments)`));
    } else if (args[i].length > MAX_ARG_BYTES) {
      out.push(Buffer.concat([args[i].subarray(0, MAX_ARG_BYTES), Buffer.from(`... (${args[i].length - MAX_ARG_BYTES} more bytes)`)]));
    } else {
      out.push(Buffer.from(args[i]));
    }
  }
  return out;
}
