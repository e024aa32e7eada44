// bench/results.md and bench/results.svg from the benchmarks' JSON summaries (summary.ts): one
// table of every target, the autobatching curve, and a chart of both. Pure functions of the
// summaries, so the report can be rebuilt without rerunning anything (all.js --report-only).
import { barChart, barChartHeight, FONT, lineChart, text } from './svgPlot';
import { BatchingPoint, BenchSummary, targetText, TargetRow } from './summary';

export interface ReportInput {
  summaries: BenchSummary[];
  /** Benchmarks that exited non-zero or wrote no summary, with why. */
  failures: Array<{ bench: string; reason: string }>;
  /** When the combined run began, and how long its benchmarks took together. */
  date: string;
  totalSeconds?: number;
  /** What the person running it saw that the numbers cannot show (a neighbour's build, say). */
  note?: string;
}

// Bars past 3× the mark are cut: the targets that matter are the ones near or below 1.
const BAR_CAP = 3;
// Long target descriptions are cut in the chart (the markdown table has them whole).
const BAR_LABEL_CHARS = 64;
const COLORS = { unbatched: '#4c78a8', batched: '#e8731a' };

const fmtOps = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const fmtValue = (t: TargetRow) => (t.unit === '×' ? `${t.value.toFixed(2)}×` : `${t.value.toFixed(2)} ms`);
const cell = (s: string) => s.replace(/\|/g, '\\|');
const batchCell = (p: BatchingPoint) =>
  p.batched.meanBatchSize > 0
    ? `${p.batched.meanBatchSize.toFixed(1)} (${(p.batched.mergedShare * 100).toFixed(0)}% of requests merged; ${p.batched.requestsPerCall.toFixed(1)} per backend call)`
    : 'none formed';

/** How far a row is towards its target, 1 = exactly met, whichever way the target points. */
export function targetScore(t: TargetRow): number {
  if (t.direction === 'atLeast') return t.value / t.threshold;
  return t.value > 0 ? t.threshold / t.value : Infinity;
}

export const allTargets = (summaries: BenchSummary[]) => summaries.flatMap((s) => s.targets);
export const batchingOf = (summaries: BenchSummary[]) => summaries.find((s) => s.batching)?.batching;

export function targetsMarkdown(rows: TargetRow[]): string {
  const lines = ['| target | what | reference | ours | ratio | target | met? |', '|---|---|---|---|---|---|---|'];
  for (const t of rows) {
    // Absolute targets (E1, L1's loop lag) have no ratio; their value is already in "ours".
    const ratio = t.unit === '×' ? fmtValue(t) : '';
    const verdict = t.informational ? ['none (reported)', '—'] : [targetText(t), t.met ? 'yes' : '**no**'];
    lines.push(`| ${t.id} | ${cell(t.what)} | ${cell(t.reference)} | ${cell(t.ours)} | ${ratio} | ${verdict.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function batchingMarkdown(points: BatchingPoint[]): string {
  const lines = [
    '| clients | unbatched ops/s | BATCHSIZE 32 ops/s | throughput ratio | unbatched p50 / p99 | batched p50 / p99 | p99 ratio | mean batch (ai_queues) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const p of points) {
    lines.push(`| ${p.clients} | ${fmtOps(p.unbatched.opsPerSecond)} | ${fmtOps(p.batched.opsPerSecond)} | ${p.throughputRatio.toFixed(2)}× | ` +
      `${fmtMs(p.unbatched.p50Us)} / ${fmtMs(p.unbatched.p99Us)} | ${fmtMs(p.batched.p50Us)} / ${fmtMs(p.batched.p99Us)} | ${p.p99Ratio.toFixed(2)}× | ${batchCell(p)} |`);
  }
  return lines.join('\n');
}

export function resultsMarkdown(r: ReportInput): string {
  const rows = allTargets(r.summaries);
  const judgedRows = rows.filter((t) => !t.informational);
  const met = judgedRows.filter((t) => t.met).length;
  const reported = rows.length - judgedRows.length;
  const batching = batchingOf(r.summaries);
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(`Run of ${r.date.slice(0, 10)}${r.totalSeconds ? ` (${(r.totalSeconds / 60).toFixed(1)} minutes in all)` : ''}. ` +
    'Machine: 2 cores, which the servers share with their load clients (and on a shared machine with whatever else runs), so absolute numbers drift by ±25% ' +
    'or more between runs; every ratio is taken against a reference measured in the same run, on the same client, in ' +
    'alternating windows, as medians of repeats (see `docs/performance-targets.md`).', '');
  if (r.note) out.push(`**Note on this run:** ${r.note}`, '');
  out.push(`**${met} of ${judgedRows.length} target rows met**${reported ? ` (and ${reported} row${reported > 1 ? 's' : ''} reported without a target)` : ''}.`, '');
  out.push('![throughput and p99 latency against client count, batched and unbatched; every target as measured over needed](results.svg)', '');
  if (r.failures.length) {
    out.push('Benchmarks that did not finish (their rows are missing):', '');
    for (const f of r.failures) out.push(`- \`${f.bench}\`: ${f.reason}`);
    out.push('');
  }
  out.push('## Targets', '');
  out.push('Ratio is ours over the reference (for M2, our overhead over a redis-server PING; for B1, batched over unbatched; ' +
    'for P1, our throughput with the append-only log (appendfsync everysec) over ours without it, divided by the same ratio ' +
    'of redis-server: P1 is not in docs/performance-targets.md, and is judged here as the log costing us at most a little more than it costs ' +
    'Redis; its 1 MiB row is reported without a target, as with the log both servers spend it on the disk and on log rewrites). ' +
    'E1 and the event-loop rows of L1 are judged on an absolute figure. ' +
    'S1 (PERFORMANCE.md\'s "Redis store" row) is the hop of a --store node, its p50 minus the embedded node\'s, over one redis-server GET ' +
    'round trip of the same size (p50, same run) times the round trips the node makes to Redis for that request (one fetch; MODELEXECUTE ' +
    'also one write).', '');
  out.push(targetsMarkdown(rows), '');
  if (batching) {
    out.push('## Autobatching (B1): the MNIST CNN against client count', '');
    out.push('`mnist_batched.onnx` stored twice on one server, plain and with `BATCHSIZE 32`; every client runs AI.MODELEXECUTE ' +
      'on a one-image tensor of its own, closed loop. Mean batch is ai_queues\' `batched_runs / batches` over the window: ' +
      'requests per backend call that merged two or more.', '');
    out.push(batchingMarkdown(batching), '');
  }
  const classifier = r.summaries.find((x) => x.classifierBatching)?.classifierBatching;
  if (classifier) {
    out.push('## Real models: the EfficientNet-Lite0 classifier against client count (R1)', '');
    out.push('`deps/models/efficientnet-lite0.onnx` (get_deps.sh --with-models) stored twice, plain and with `BATCHSIZE 16`; each client ' +
      'classifies one of the fixtures\' photos (preprocessed, 1×3×224×224), closed loop, and its answer is checked against the reference ' +
      'after every window. R2 (in the targets table) is the SSD detector pipeline in one DAGEXECUTE against the same steps in-process.', '');
    out.push(batchingMarkdown(classifier).replace(/BATCHSIZE 32/g, 'BATCHSIZE 16'), '');
  }
  out.push('## The runs', '');
  out.push('The load average at a start counts the previous benchmark\'s own load too; above that, a neighbour was busy.', '');
  out.push('| benchmark | started | took | machine at start |', '|---|---|---|---|');
  for (const s of r.summaries) out.push(`| ${s.bench} | ${s.startedAt.replace('T', ' ').slice(0, 19)} UTC | ${s.seconds.toFixed(0)} s | ${s.machine} |`);
  out.push('');
  out.push('## Reproduce', '');
  out.push('```sh', 'npm run bench            # every benchmark, then this file and results.svg', 
    'npm run bench:batching   # or one of them: bench:tensors, bench:models, bench:onnx, bench:batching, bench:persistence, bench:real',
    'node dist/scripts/bench/all.js --report-only   # rebuild this file from bench/.last-*.json', '```', '');
  out.push('Each benchmark prints its own detailed table (CPU per request, per-run figures) and writes ' +
    '`bench/.last-<name>.json`, which this report is built from.', '');
  return out.join('\n');
}

/** The chart: throughput and latency against clients for B1 on top, every target's score below. */
export function resultsSvg(r: ReportInput): string {
  const width = 1000;
  const chartH = 330;
  const rows = allTargets(r.summaries);
  const batching = batchingOf(r.summaries);
  const parts: string[] = [];
  let y = 0;
  parts.push(text(width / 2, 26, `Stormbreaker benchmarks, ${r.date.slice(0, 10)} (2 cores, shared machine: ±25% drift)`, 'text-anchor="middle" font-size="17" font-weight="bold"'));
  y = 40;
  if (batching) {
    const categories = batching.map((p) => `${p.clients}`);
    const batchLabels = batching.map((p) => (p.batched.meanBatchSize > 0 ? `batch ${p.batched.meanBatchSize.toFixed(1)}` : ''));
    parts.push(lineChart({
      x: 0, y, width: width / 2, height: chartH,
      title: 'B1: MNIST CNN throughput vs clients',
      xLabel: 'closed-loop clients', yLabel: 'AI.MODELEXECUTE per second', categories,
      formatTick: (v) => (v >= 1000 ? `${v / 1000}K` : `${v}`),
      series: [
        { name: 'unbatched', color: COLORS.unbatched, values: batching.map((p) => p.unbatched.opsPerSecond) },
        { name: 'BATCHSIZE 32 (label: mean batch)', color: COLORS.batched, values: batching.map((p) => p.batched.opsPerSecond), labels: batchLabels },
      ],
    }));
    parts.push(lineChart({
      x: width / 2, y, width: width / 2, height: chartH,
      title: 'B1: latency vs clients (solid p99, dashed p50)',
      xLabel: 'closed-loop clients', yLabel: 'milliseconds', categories,
      formatTick: (v) => `${v}`,
      series: [
        { name: 'unbatched', color: COLORS.unbatched, values: batching.map((p) => p.unbatched.p99Us / 1000) },
        { name: 'BATCHSIZE 32', color: COLORS.batched, values: batching.map((p) => p.batched.p99Us / 1000) },
        { name: 'unbatched p50', color: COLORS.unbatched, values: batching.map((p) => p.unbatched.p50Us / 1000), dashed: true, legend: false },
        { name: 'BATCHSIZE 32 p50', color: COLORS.batched, values: batching.map((p) => p.batched.p50Us / 1000), dashed: true, legend: false },
      ],
    }));
    y += chartH + 16;
  }
  // Rows without a target have no "how far": they stay in the markdown table only.
  const bars = rows.filter((t) => !t.informational).map((t) => {
    const label = `${t.id}  ${t.what}`;
    return {
      label: label.length > BAR_LABEL_CHARS ? `${label.slice(0, BAR_LABEL_CHARS - 1)}…` : label,
      score: targetScore(t),
      valueText: `${fmtValue(t)} (${targetText(t)})`,
      good: t.met,
    };
  });
  parts.push(barChart({
    x: 0, y, width, bars, cap: BAR_CAP,
    title: 'Every target: how far we are (1 = exactly met)',
    subtitle: 'measured ÷ needed for "≥" targets, needed ÷ measured for "≤" targets: longer is better, green = met',
    markLabel: 'target',
    axisLabel: `share of the target reached (bars past ${BAR_CAP} are cut: »)`,
  }));
  y += barChartHeight(bars.length);
  return `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" ${FONT}>\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`;
}
