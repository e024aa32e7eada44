// The machine-readable result of one benchmark script: every target row it judged, plus the
// batching curve when it measured one. Each script writes its own bench/.last-<name>.json at the end
// of a run; all.ts runs the scripts as child processes and reads these files rather than parsing
// their printed tables, so a change of wording in a table cannot break the combined report.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './servers';

export const BENCH_DIR = path.join(ROOT, 'bench');

/** One judged measurement: one row of the combined table. */
export interface TargetRow {
  /** The docs/performance-targets.md id, with a qualifier when one target has several rows ('M1 (ONNX)'). */
  id: string;
  what: string;
  /** The reference figure as printed, e.g. '57,537 ops/s (redis-server GET)'. */
  reference: string;
  /** Our figure as printed. */
  ours: string;
  /** The number judged against `threshold`: a ratio (unit '×') or an absolute figure (unit 'ms'). */
  value: number;
  unit: '×' | 'ms';
  /** 'atLeast': met when value ≥ threshold (throughput); 'atMost': met when value ≤ threshold (latency). */
  direction: 'atLeast' | 'atMost';
  threshold: number;
  met: boolean;
  /**
   * Measured and shown, but no target applies (the script says why): `met` is false and ignored,
   * the row is not counted among the targets met or drawn in the chart's target bars.
   */
  informational?: boolean;
  /** The numbers behind `reference` and `ours`, for readers of the JSON (the report prints the texts). */
  figures?: Record<string, number>;
}

/** One client count of the batching benchmark (B1), medians over its repeats. */
export interface BatchingPoint {
  clients: number;
  unbatched: LoadPoint;
  batched: LoadPoint & {
    /** Requests per backend call that merged two or more (ai_queues batched_runs / batches). */
    meanBatchSize: number;
    /** Share of requests served by a merged call rather than alone. */
    mergedShare: number;
    /** Requests per backend call of any size, lone runs included: what the model was really fed. */
    requestsPerCall: number;
  };
  /** Batched over unbatched, taken within each repeat (adjacent windows), then the median. */
  throughputRatio: number;
  p99Ratio: number;
}

export interface LoadPoint {
  opsPerSecond: number;
  p50Us: number;
  p99Us: number;
}

export interface BenchSummary {
  /** The script's name: tensors, models, onnx, batching, persistence. */
  bench: string;
  startedAt: string;
  seconds: number;
  /** Cores and load average when the run began: how loud the shared machine was. */
  machine: string;
  targets: TargetRow[];
  batching?: BatchingPoint[];
  /** The real classifier's autobatching curve (realModels). */
  classifierBatching?: BatchingPoint[];
}

export const summaryPath = (bench: string) => path.join(BENCH_DIR, `.last-${bench}.json`);

/** A target as docs/performance-targets.md writes it: '≥ 2×', '≤ 2 ms'. */
export function targetText(row: Pick<TargetRow, 'direction' | 'threshold' | 'unit'>): string {
  return `${row.direction === 'atLeast' ? '≥' : '≤'} ${row.threshold}${row.unit === '×' ? '×' : ` ${row.unit}`}`;
}

/** Builds a row and decides `met` from its value, so no script can judge a target differently. */
export function judged(row: Omit<TargetRow, 'met'>): TargetRow {
  const met = row.direction === 'atLeast' ? row.value >= row.threshold : row.value <= row.threshold;
  return { ...row, met: Number.isFinite(row.value) && met };
}

export function machineNote(): string {
  return `${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at start`;
}

/** Writes the summary (through a temp file, so a reader never sees half of one) and says where. */
export function writeSummary(summary: BenchSummary): string {
  const file = summaryPath(summary.bench);
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(summary, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  console.log(`summary written to ${path.relative(ROOT, file)}`);
  return file;
}

export function readSummary(bench: string): BenchSummary | undefined {
  const file = summaryPath(bench);
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as BenchSummary;
}
