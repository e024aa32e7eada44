import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../engine/Engine';
import { StormbreakerError } from '../errors';
import type { Logger } from '../observe/Logger';
import type { StoredValue } from '../store/StoredValue';
import { AppendOnlyLog, FsyncPolicy } from './AppendOnlyLog';
import { LogReader } from './replayLog';
import type { Snapshot } from './snapshotReaders';
import { readSnapshot } from './snapshotReaders';
import { SnapshotEntry, syncFolder, writeSnapshot, writeSnapshotFile } from './SnapshotWriter';

/** Keys a snapshot holds (its expiry records belong to keys already counted). */
const keyCount = (snapshot: Snapshot) => snapshot.records.filter((r) => r.kind !== 'expiry').length;

/** Redis's reply when DEBUG RELOAD cannot load what it saved (the reason goes to the log). */
const RELOAD_FAILED = 'ERR Error trying to load the RDB dump, check server logs.';

/** A `save <seconds> <changes>` rule: snapshot when that many changes are that old. */
export interface SaveRule {
  seconds: number;
  changes: number;
}

/** `save` as redis.conf and CONFIG SET write it: pairs of seconds and changes ("" for none); undefined when malformed. */
export function parseSaveRules(text: string): SaveRule[] | undefined {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length % 2 !== 0 || words.some((w) => !/^\d+$/.test(w))) return undefined;
  const rules: SaveRule[] = [];
  for (let i = 0; i < words.length; i += 2) rules.push({ seconds: Number(words[i]), changes: Number(words[i + 1]) });
  return rules;
}

/** Redis' persistence settings, under their redis.conf names. */
export interface PersistenceOptions {
  /** Folder of the snapshot and the log. Default: the working directory. */
  dir: string;
  dbfilename: string;
  /** No rules: snapshots only on SAVE, BGSAVE and SHUTDOWN. */
  save: SaveRule[];
  appendonly: boolean;
  appendfsync: FsyncPolicy;
  appendfilename: string;
  /** Rewrite the log when it grew this many percent since the last rewrite (0: never)… */
  autoAofRewritePercentage: number;
  /** …and is at least this big. */
  autoAofRewriteMinSize: number;
}

export const DEFAULT_PERSISTENCE: PersistenceOptions = {
  dir: '.',
  dbfilename: 'dump.sbdb',
  save: [],
  appendonly: false,
  appendfsync: 'everysec',
  appendfilename: 'appendonly.aof',
  autoAofRewritePercentage: 100,
  autoAofRewriteMinSize: 64 * 1024 * 1024,
};

/** Runs one logged command again (the server's command table, no client, no logging). */
export type Replay = (argv: Buffer[]) => Promise<void>;

/**
 * Snapshots and the append-only log of one engine: loading at start-up, SAVE / BGSAVE / LASTSAVE,
 * save rules, BGREWRITEAOF and automatic rewrites, and the snapshot at shutdown.
 */
export class Persistence {
  /** Unix seconds of the last successful snapshot (start-up time before any). */
  lastSave = Math.floor(Date.now() / 1000);
  lastSaveOk = true;
  private changesAtLastSave = 0;
  private lastSaveAttempt = 0;
  /** SHUTDOWN has begun: no new saves or rewrites start. */
  private closing = false;
  private saving: Promise<void> | null = null;
  private rewriting: Promise<void> | null = null;
  private log: AppendOnlyLog | null = null;
  private cron?: NodeJS.Timeout;

  constructor(
    private readonly engine: Engine,
    readonly options: PersistenceOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * A server killed while writing a snapshot or rewriting the log leaves its temp file
   * (`dump.sbdb.temp-<pid>`, `appendonly.aof.rewrite-<pid>`) behind; one whose process is gone is
   * removed, so crashes cannot fill the disk.
   */
  private removeStaleTempFiles(): void {
    const dir = path.resolve(this.options.dir);
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    const prefixes = [`${this.options.dbfilename}.temp-`, `${this.options.appendfilename}.rewrite-`];
    for (const name of names) {
      const prefix = prefixes.find((p) => name.startsWith(p));
      if (prefix === undefined) continue;
      const pid = Number(name.slice(prefix.length));
      if (!Number.isSafeInteger(pid) || pid <= 0 || (pid !== process.pid && processExists(pid))) continue;
      fs.rmSync(path.join(dir, name), { force: true });
      this.logger.notice(`Removed ${name}, left by a save or log rewrite that did not finish`);
    }
  }

  get snapshotFile(): string {
    return path.resolve(this.options.dir, this.options.dbfilename);
  }

  get logFile(): string {
    return path.resolve(this.options.dir, this.options.appendfilename);
  }

  /**
   * Loads what was persisted (the log when appendonly is on and it exists, as Redis does; the
   * snapshot otherwise), then opens the log and starts the save rules. Throws a CorruptFileError
   * (with the file and offset) rather than start from damaged data.
   */
  async start(replay: Replay): Promise<void> {
    const { appendonly } = this.options;
    this.removeStaleTempFiles();
    // An empty log is one whose first rewrite never finished (the server stopped while writing
    // it): the snapshot, if any, still holds the data.
    if (appendonly && fs.existsSync(this.logFile) && fs.statSync(this.logFile).size > 0) {
      const started = Date.now();
      const log = new LogReader(this.logFile);
      let commands = 0;
      try {
        if (log.base !== undefined) await this.restore(log.base);
        // MULTI … EXEC is one unit (Engine.atomically): replayed whole once its EXEC is read.
        let unit: Buffer[][] | null = null;
        let unitStart = 0;
        for (let at = log.offset, argv = log.next(); argv !== null; at = log.offset, argv = log.next()) {
          const name = argv.length === 1 ? argv[0].toString('latin1').toLowerCase() : '';
          if (name === 'multi' && unit === null) {
            unit = [];
            unitStart = at;
          } else if (name === 'exec' && unit !== null) {
            for (const queued of unit) await replay(queued);
            commands += unit.length;
            unit = null;
          } else if (unit !== null) {
            unit.push(argv);
          } else {
            await replay(argv);
            commands++;
          }
        }
        // A unit without its EXEC was being written when the server stopped: it never happened.
        if (unit !== null) log.cutAt(unitStart);
      } finally {
        log.close();
      }
      if (log.incompleteBytes > 0) {
        log.truncate();
        this.logger.warning(`${this.logFile}: the last ${log.incompleteBytes} bytes were an incomplete command ` +
          '(or a script\'s or transaction\'s writes without their EXEC: the server stopped while writing them, ' +
          'before acknowledging them); they were removed from the log');
      }
      this.logger.notice(`DB loaded from append only file: ${commands} commands in ${Date.now() - started} ms`);
    } else if (fs.existsSync(this.snapshotFile)) {
      const started = Date.now();
      const snapshot = readSnapshot(this.snapshotFile);
      await this.restore(snapshot);
      this.lastSave = Math.floor(snapshot.savedAt / 1000);
      this.logger.notice(`DB loaded from disk: ${keyCount(snapshot)} keys in ${Date.now() - started} ms`);
    }
    this.changesAtLastSave = this.engine.changes;
    if (appendonly) {
      const fresh = !fs.existsSync(this.logFile) || fs.statSync(this.logFile).size === 0;
      this.openLog();
      // A new log must hold what is already stored (loaded from a snapshot) before any write.
      if (fresh && this.engine.size > 0) await this.rewriteLog();
    }
    this.cron = setInterval(() => this.tick(), 1000);
    this.cron.unref();
  }

  /** CONFIG SET save: the rules apply from the next check (once a second). */
  setSaveRules(rules: SaveRule[]): void {
    this.options.save = rules;
  }

  /** CONFIG SET appendfsync: the log's next write follows the new policy. */
  setAppendfsync(policy: FsyncPolicy): void {
    this.options.appendfsync = policy;
    this.log?.setPolicy(policy);
  }

  /**
   * CONFIG SET appendonly, as Redis does it: `yes` opens the log and rewrites it in the
   * background to hold every key stored now (writes made meanwhile are kept and follow); `no`
   * flushes and closes it, and writes are no longer logged.
   */
  setAppendonly(on: boolean): void {
    if (on === this.options.appendonly) return;
    this.options.appendonly = on;
    if (on) {
      this.openLog();
      void this.rewriteLog().catch(() => undefined);
      this.logger.notice('Background append only file rewriting started (CONFIG SET appendonly yes)');
    } else {
      this.log?.close();
      this.log = null;
      this.engine.writeLog = null;
      this.logger.notice('Append only file closed (CONFIG SET appendonly no)');
    }
  }

  /** CONFIG SET auto-aof-rewrite-percentage / auto-aof-rewrite-min-size. */
  setAutoRewrite(setting: { percentage?: number; minSize?: number }): void {
    if (setting.percentage !== undefined) this.options.autoAofRewritePercentage = setting.percentage;
    if (setting.minSize !== undefined) this.options.autoAofRewriteMinSize = setting.minSize;
  }

  /** SAVE: a snapshot now; resolves when it is on disk. */
  async save(): Promise<void> {
    if (this.closing) throw new StormbreakerError('ERR the server is shutting down');
    if (this.saving !== null) throw new StormbreakerError('ERR Background save already in progress');
    await this.snapshot();
  }

  /**
   * DEBUG RELOAD, as Redis does it: saves a snapshot (unless `save` is false), empties the keyspace
   * (unless `flush` is false) and loads the snapshot back in place. Keys the snapshot holds that
   * are still present (NOFLUSH) are refused unless `merge`, which lets the snapshot's win. The
   * empty-and-load goes through the write path like any other write, so the log, the statistics
   * and WATCH see it.
   */
  async reload({ save, flush, merge }: { save: boolean; flush: boolean; merge: boolean }): Promise<void> {
    if (this.closing) throw new StormbreakerError('ERR the server is shutting down');
    await Promise.allSettled([this.saving]);
    if (save) await this.snapshot();
    let snapshot: Snapshot;
    try {
      snapshot = readSnapshot(this.snapshotFile);
    } catch (err) {
      this.logger.warning(`DEBUG RELOAD: loading ${this.snapshotFile} failed: ${(err as Error).message}`);
      throw new StormbreakerError(RELOAD_FAILED);
    }
    if (!flush && !merge) {
      const present = snapshot.records.find((r) => r.kind !== 'expiry' && this.engine.get(Buffer.from(r.name, 'latin1')) !== undefined);
      if (present !== undefined) {
        this.logger.warning(`DEBUG RELOAD NOFLUSH: key ${JSON.stringify(present.name)} of the snapshot exists (add MERGE to replace it)`);
        throw new StormbreakerError(RELOAD_FAILED);
      }
    }
    if (flush) this.engine.flush();
    const started = Date.now();
    await this.restore(snapshot);
    if (save) this.changesAtLastSave = this.engine.changes;
    this.logger.notice(`DB reloaded by DEBUG RELOAD: ${keyCount(snapshot)} keys in ${Date.now() - started} ms`);
  }

  /** BGSAVE: starts a snapshot and returns at once. */
  bgsave(): void {
    if (this.closing) throw new StormbreakerError('ERR the server is shutting down');
    if (this.saving !== null) throw new StormbreakerError('ERR Background save already in progress');
    void this.snapshot().catch(() => undefined);
  }

  /** BGREWRITEAOF: rewrites the log from the keys as they are now; returns at once. */
  bgrewriteaof(): void {
    if (this.closing) throw new StormbreakerError('ERR the server is shutting down');
    if (this.rewriting !== null) throw new StormbreakerError('ERR Background append only file rewriting already in progress');
    if (this.log === null) throw new StormbreakerError('ERR the append only file is off (start with --appendonly yes)');
    void this.rewriteLog().catch(() => undefined);
  }

  /** SHUTDOWN: waits for running saves, snapshots if asked (or if save rules exist), closes the log. */
  async shutdown(save?: boolean): Promise<void> {
    clearInterval(this.cron);
    this.closing = true;
    await Promise.allSettled([this.saving, this.rewriting]);
    if (save ?? this.options.save.length > 0) await this.snapshot();
    this.engine.writeLog = null;
    this.log?.close();
    this.log = null;
  }

  /** Writes the log's pending commands; called before any reply goes out. */
  flushLog(): void {
    this.log?.flush();
  }

  /** Whether replies must wait for the log (it is on): they go out after flushLog(). */
  get logging(): boolean {
    return this.log !== null;
  }

  /** INFO persistence fields. */
  info(): Array<[string, string | number]> {
    return [
      ['loading', 0],
      ['rdb_changes_since_last_save', this.engine.changes - this.changesAtLastSave],
      ['rdb_bgsave_in_progress', this.saving !== null ? 1 : 0],
      ['rdb_last_save_time', this.lastSave],
      ['rdb_last_bgsave_status', this.lastSaveOk ? 'ok' : 'err'],
      ['aof_enabled', this.log !== null ? 1 : 0],
      ['aof_rewrite_in_progress', this.rewriting !== null ? 1 : 0],
      ['aof_current_size', this.log?.size ?? 0],
      ['aof_base_size', this.log?.sizeAfterRewrite ?? 0],
    ];
  }

  private openLog(): void {
    this.log = new AppendOnlyLog(this.logFile, this.options.appendfsync, (err) =>
      this.logger.warning(`Writing ${this.logFile} failed: ${err.message}`));
    const log = this.log;
    this.engine.writeLog = (argv) => log.append(argv);
  }

  private async restore(snapshot: Snapshot): Promise<void> {
    for (const record of snapshot.records) {
      if (record.kind === 'value') {
        this.engine.set(Buffer.from(record.name, 'latin1'), record.value);
      } else if (record.kind === 'model') {
        const why = await this.engine.restoreModel(Buffer.from(record.name, 'latin1'), record.spec);
        if (why !== undefined) this.logger.warning(`model ${record.name} is stored but cannot run: ${why}`);
      } else if (record.kind === 'script') {
        await this.engine.storeScript(Buffer.from(record.name, 'latin1'), record.spec);
      } else {
        // A time already past deletes the key now (a snapshot older than its keys' lives).
        this.engine.setExpiry(Buffer.from(record.name, 'latin1'), record.at);
      }
    }
  }

  /** The keys as they are now. Tensors, models and scripts are immutable; lists and hashes are copied. */
  private capture(): SnapshotEntry[] {
    const entries: SnapshotEntry[] = [];
    for (const name of this.engine.liveNames()) {
      const value = this.engine.keyspace.get(name)!;
      entries.push({ name, value: frozen(value), expiresAt: this.engine.keyspace.expiresAt(name) });
    }
    return entries;
  }

  private snapshot(): Promise<void> {
    const changes = this.engine.changes;
    const started = Date.now();
    this.lastSaveAttempt = started;
    this.saving = writeSnapshot(this.snapshotFile, this.capture())
      .then(() => {
        this.lastSave = Math.floor(Date.now() / 1000);
        this.lastSaveOk = true;
        this.changesAtLastSave = changes;
        this.logger.notice(`DB saved on disk (${this.snapshotFile}, ${Date.now() - started} ms)`);
      }, (err: Error) => {
        this.lastSaveOk = false;
        this.logger.warning(`Saving ${this.snapshotFile} failed: ${err.message}`);
        throw new StormbreakerError(`ERR saving the snapshot failed: ${err.message}`);
      })
      .finally(() => (this.saving = null));
    return this.saving;
  }

  /**
   * The log rewritten as a snapshot of the keys now plus the writes made while it was written
   * (kept aside meanwhile); swapped in atomically.
   */
  private rewriteLog(): Promise<void> {
    const log = this.log!;
    const temp = `${this.logFile}.rewrite-${process.pid}`;
    const started = Date.now();
    log.beginRewrite();
    this.rewriting = writeSnapshotFile(temp, this.capture())
      .then(() => {
        if (this.log !== log) throw new Error('the log was closed during the rewrite');
        log.finishRewrite(temp);
        return syncFolder(this.logFile);
      })
      .then(() => this.logger.notice(`Append only file rewritten (${log.size} bytes, ${Date.now() - started} ms)`), (err: Error) => {
        log.abortRewrite();
        fs.rmSync(temp, { force: true });
        this.logger.warning(`Rewriting ${this.logFile} failed: ${err.message}`);
        throw new StormbreakerError(`ERR rewriting the append only file failed: ${err.message}`);
      })
      .finally(() => (this.rewriting = null));
    return this.rewriting;
  }

  /** Once a second: save rules and automatic log rewrites. */
  private tick(): void {
    const now = Date.now() / 1000;
    const dirty = this.engine.changes - this.changesAtLastSave;
    // After a failed save, rules wait 5 s before trying again (as Redis does).
    const mayRetry = this.lastSaveOk || Date.now() - this.lastSaveAttempt > 5000;
    if (this.saving === null && mayRetry && this.options.save.some((r) => dirty >= r.changes && now - this.lastSave >= r.seconds)) {
      this.logger.notice(`${dirty} changes since the last save: saving`);
      void this.snapshot().catch(() => undefined);
    }
    const log = this.log;
    const { autoAofRewritePercentage: percent, autoAofRewriteMinSize: minSize } = this.options;
    if (log !== null && this.rewriting === null && percent > 0 && log.size >= minSize &&
        log.size >= log.sizeAfterRewrite * (1 + percent / 100)) {
      this.logger.notice(`Append only file grew to ${log.size} bytes: rewriting`);
      void this.rewriteLog().catch(() => undefined);
    }
  }
}

function frozen(value: StoredValue): StoredValue {
  if (value.kind === 'list') return { kind: 'list', items: value.items.slice() };
  if (value.kind === 'hash') return { kind: 'hash', fields: new Map(value.fields) };
  return value;
}

/** Whether a process with this id is running (signal 0 checks without sending anything). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
