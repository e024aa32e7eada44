import { StatsTableOrder } from './StatsTableOrder';

/** Per-key run statistics of AI.INFO (spec §7): one table keyed by key name. */
export interface RunStat {
  readonly type: 'MODEL' | 'SCRIPT';
  readonly backend: string;
  readonly device: string;
  readonly tag: Buffer;
  duration: number;
  samples: number;
  calls: number;
  errors: number;
}

export class RunStats {
  private readonly table = new Map<string, RunStat>();
  /** Where RedisAI's own table would hold each entry: the scans' order (StatsTableOrder). */
  private readonly order = new StatsTableOrder();
  /** Told of every run as it is recorded (the metrics endpoint's duration histograms). */
  onRun?: (name: string, stat: RunStat, micros: number | undefined) => void;

  /** Every entry, by key name. */
  entries(): IterableIterator<[string, RunStat]> {
    return this.table.entries();
  }

  /** A fresh entry (storing a model or script resets its statistics). */
  reset(name: string, entry: Omit<RunStat, 'duration' | 'samples' | 'calls' | 'errors'>): RunStat {
    const stat: RunStat = { ...entry, duration: 0, samples: entry.type === 'SCRIPT' ? -1 : 0, calls: 0, errors: 0 };
    this.place(name, stat);
    return stat;
  }

  get(name: string): RunStat | undefined {
    return this.table.get(name);
  }

  delete(name: string): void {
    if (this.table.delete(name)) this.order.delete(name);
  }

  /** Keeps `stat` (a renamed model's or script's) under a new name. */
  adopt(name: string, stat: RunStat): void {
    this.place(name, stat);
  }

  clear(): void {
    for (const name of this.table.keys()) this.order.delete(name);
    this.table.clear();
  }

  /**
   * The names of one type's entries in RedisAI's _MODELSCAN / _SCRIPTSCAN order: its stats
   * table's iteration order, which real clients' tests compare (StatsTableOrder says how).
   */
  names(type: RunStat['type']): string[] {
    return this.order.names().filter((name) => this.table.get(name)!.type === type);
  }

  /** A new entry under `name`, as RedisAI makes one: the old entry removed, the new one added. */
  private place(name: string, stat: RunStat): void {
    if (this.table.has(name)) this.order.delete(name);
    this.table.set(name, stat);
    this.order.insert(name);
  }

  /** A successful run: duration grows by at least 1 µs so it strictly grows (spec §7). */
  recordSuccess(stat: RunStat, micros: number, samples: number): void {
    stat.calls++;
    stat.duration += Math.max(1, micros);
    if (stat.type === 'MODEL') stat.samples += samples;
  }

  recordError(stat: RunStat): void {
    stat.calls++;
    stat.errors++;
  }

  /** A call already counted whose result turned out to be an error. */
  recordFailedResult(name: string): void {
    const stat = this.table.get(name);
    if (stat !== undefined) stat.errors++;
  }
}
