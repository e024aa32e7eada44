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
  /** Told of every run as it is recorded (the metrics endpoint's duration histograms). */
  onRun?: (name: string, stat: RunStat, micros: number | undefined) => void;

  /** Every entry, by key name. */
  entries(): IterableIterator<[string, RunStat]> {
    return this.table.entries();
  }

  /** A fresh entry (storing a model or script resets its statistics). */
  reset(name: string, entry: Omit<RunStat, 'duration' | 'samples' | 'calls' | 'errors'>): RunStat {
    const stat: RunStat = { ...entry, duration: 0, samples: entry.type === 'SCRIPT' ? -1 : 0, calls: 0, errors: 0 };
    this.table.set(name, stat);
    return stat;
  }

  get(name: string): RunStat | undefined {
    return this.table.get(name);
  }

  delete(name: string): void {
    this.table.delete(name);
  }

  /** Keeps `stat` (a renamed model's or script's) under a new name. */
  adopt(name: string, stat: RunStat): void {
    this.table.set(name, stat);
  }

  clear(): void {
    this.table.clear();
  }

  /** Names in the order their entries were made (_MODELSCAN order, DESIGN.md deviation 7). */
  names(type: RunStat['type']): string[] {
    return Array.from(this.table.entries()).filter(([, s]) => s.type === type).map(([n]) => n);
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
