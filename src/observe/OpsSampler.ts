// INFO's instantaneous_ops_per_sec and used_memory_peak, as Redis's serverCron keeps them: ten
// samples a second of the commands processed, averaged over the last 16 (1.6 s), and the highest
// used_memory seen by those samples or by INFO itself.

const SAMPLES = 16;
const INTERVAL_MS = 100;

/** The used_memory INFO reports (V8's heap in use plus external memory: tensors, buffers). */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export class OpsSampler {
  private readonly rates: number[] = [];
  private last = { at: performance.now(), count: 0 };
  private timer?: NodeJS.Timeout;
  private peak = 0;
  /** used_memory at the last sample (ten a second): what maxmemory is checked against, without a system call per command. */
  memory = 0;

  constructor(private readonly processed: () => number) {}

  start(): void {
    this.last = { at: performance.now(), count: this.processed() };
    this.timer ??= setInterval(() => this.sample(), INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get opsPerSecond(): number {
    return this.rates.length === 0 ? 0 : Math.round(this.rates.reduce((a, b) => a + b, 0) / this.rates.length);
  }

  /** Samples used_memory now (also done ten times a second). */
  sampleMemory(): void {
    this.memory = usedMemory();
    this.peak = Math.max(this.peak, this.memory);
  }

  /** The highest used_memory seen, now included. */
  peakMemory(now = usedMemory()): number {
    this.peak = Math.max(this.peak, now);
    return this.peak;
  }

  private sample(): void {
    const at = performance.now();
    const count = this.processed();
    this.rates.push(((count - this.last.count) * 1000) / Math.max(1, at - this.last.at));
    if (this.rates.length > SAMPLES) this.rates.shift();
    this.last = { at, count };
    this.sampleMemory();
  }
}
