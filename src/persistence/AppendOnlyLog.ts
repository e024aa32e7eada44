import * as fs from 'node:fs';
import { OutputBuffer } from '../resp/OutputBuffer';
import { encodeCommandInto } from './respEncoding';

/** When written commands reach the disk (Redis' appendfsync). */
export type FsyncPolicy = 'always' | 'everysec' | 'no';

/**
 * The append-only log: every write, as the RESP command that repeats it, appended in the order
 * the writes happened. Commands gather in memory and go to the file in one write (a group
 * commit, as Redis does before it sends replies): the server calls flush() before it writes any
 * reply, so a reply never overtakes the write it acknowledges.
 * - `always`: flushed and fdatasync'ed before the replies are sent (nothing acknowledged is ever
 *   lost, even to a power cut).
 * - `everysec`: flushed before the replies (so a crash of this process loses nothing);
 *   fdatasync'ed once a second on libuv's pool, so a power cut loses at most the last second.
 * - `no`: flushed before the replies; the OS decides when it reaches the disk.
 * Tensor bytes go to the kernel straight from their own memory.
 */
export class AppendOnlyLog {
  /** Bytes in the file now, and when it was last rewritten (for automatic rewrites). */
  size: number;
  sizeAfterRewrite: number;
  private fd: number;
  private dirty = false;
  private syncing = false;
  /** A log file replaced by a rewrite while its background sync was running: closed after it. */
  private closeAfterSync: number | null = null;
  private timer?: NodeJS.Timeout;
  /** Appended and not yet written (small commands packed into shared chunks). */
  private pending = new OutputBuffer();
  private pendingBytes = 0;
  /** Commands appended while a rewrite runs; they go after the rewritten file's contents. */
  private rewriteTail: OutputBuffer | null = null;

  constructor(readonly file: string, private policyNow: FsyncPolicy, private readonly onError: (err: Error) => void) {
    this.fd = fs.openSync(file, 'a', 0o644);
    this.size = fs.fstatSync(this.fd).size;
    this.sizeAfterRewrite = this.size;
    this.setPolicy(policyNow);
  }

  get policy(): FsyncPolicy {
    return this.policyNow;
  }

  /** Changes when writes reach the disk (CONFIG SET appendfsync); `everysec` syncs once a second in the background. */
  setPolicy(policy: FsyncPolicy): void {
    this.policyNow = policy;
    if (policy === 'everysec' && this.timer === undefined) {
      this.timer = setInterval(() => this.syncInBackground(), 1000);
      this.timer.unref();
    } else if (policy !== 'everysec' && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  append(argv: ReadonlyArray<Uint8Array | string>): void {
    // Written at the end of this turn of the event loop at the latest, also when no reply
    // triggers it (a write made through the library API).
    if (this.pendingBytes === 0) setImmediate(() => this.flushQuietly());
    const bytes = encodeCommandInto(argv, this.pending);
    this.pendingBytes += bytes;
    this.size += bytes;
    if (this.rewriteTail !== null) encodeCommandInto(argv, this.rewriteTail);
  }

  /** Whether appended commands wait to be written. */
  get hasPending(): boolean {
    return this.pendingBytes > 0;
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Writes what was appended (and, under `always`, makes it durable). */
  flush(): void {
    if (this.pendingBytes === 0) return;
    // Cleared only once written: if the write fails, the replies waiting on it are not sent,
    // and what part of it did reach the file is cut off again, so that the log never holds a
    // half command in its middle.
    const before = this.size - this.pendingBytes;
    const chunks = this.pending.take();
    try {
      writeAll(this.fd, chunks);
    } catch (err) {
      try {
        fs.ftruncateSync(this.fd, before);
      } catch {
        // The file cannot even be cut: at worst it ends in a partial command, which loading repairs.
      }
      // Kept for the next attempt: the replies that wait on them are not sent meanwhile.
      this.pending = repack(chunks, this.pending);
      throw err;
    }
    this.pendingBytes = 0;
    if (this.policy === 'always') fs.fdatasyncSync(this.fd);
    else this.dirty = true;
  }

  /** From now until finishRewrite/abortRewrite, appended commands are also kept for the new file. */
  beginRewrite(): void {
    this.rewriteTail = new OutputBuffer();
  }

  /**
   * Completes a rewrite whose base is in `temp`: appends what was logged meanwhile, makes it
   * durable and renames it over the log, all synchronously so that no write falls in between.
   */
  finishRewrite(temp: string): void {
    this.flush(); // the old log stays complete, should anything below fail
    const tail = this.rewriteTail?.take() ?? [];
    this.rewriteTail = null;
    const fd = fs.openSync(temp, 'a');
    try {
      writeAll(fd, tail);
      fs.fsyncSync(fd);
      fs.renameSync(temp, this.file);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
    if (this.syncing && this.closeAfterSync === null) this.closeAfterSync = this.fd;
    else fs.closeSync(this.fd);
    this.fd = fd;
    this.size = fs.fstatSync(fd).size;
    this.sizeAfterRewrite = this.size;
    this.dirty = false;
  }

  abortRewrite(): void {
    this.rewriteTail = null;
  }

  get rewriting(): boolean {
    return this.rewriteTail !== null;
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }

  private syncInBackground(): void {
    if (!this.dirty || this.syncing) return;
    this.dirty = false;
    this.syncing = true;
    const fd = this.fd;
    fs.fdatasync(fd, (err) => {
      this.syncing = false;
      if (this.closeAfterSync === fd) {
        fs.closeSync(fd);
        this.closeAfterSync = null;
      } else if (err !== null) {
        this.onError(err);
      }
    });
  }
}

/** `chunks` (taken from a buffer but not written) back in front of what `rest` holds now. */
function repack(chunks: Uint8Array[], rest: OutputBuffer): OutputBuffer {
  const out = new OutputBuffer();
  for (const c of [...chunks, ...rest.take()]) out.bytes(c);
  return out;
}

function writeAll(fd: number, chunks: Uint8Array[]): void {
  let pending = chunks;
  while (pending.length > 0) {
    let written = fs.writevSync(fd, pending);
    // A regular file normally takes everything; a short write continues where it stopped.
    const rest: Uint8Array[] = [];
    for (const c of pending) {
      if (written >= c.byteLength) {
        written -= c.byteLength;
        continue;
      }
      rest.push(c.subarray(written));
      written = 0;
    }
    pending = rest;
  }
}
