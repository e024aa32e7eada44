// Every benchmark, one after the other, each as its own child process (each starts and stops its
// own servers, and none may share the 2 cores with another), then one report: bench/results.md
// with every target in one table plus the autobatching curve, and bench/results.svg. Results are
// read from the JSON summary each script writes (summary.ts), not from its printed tables.
//   npm run bench                                  (or: npx tsc -p . && node dist/scripts/bench/all.js)
//   node dist/scripts/bench/all.js batching models (only these; the report uses the others' last summaries)
//   node dist/scripts/bench/all.js --report-only   (rebuild the report from the last summaries)
//   node dist/scripts/bench/all.js --note "text"   (add what the numbers cannot show to results.md)
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnTracked, stopAll } from './processes';
import { ReportInput, resultsMarkdown, resultsSvg } from './resultsReport';
import { ROOT } from './servers';
import { BENCH_DIR, BenchSummary, readSummary, summaryPath } from './summary';

// In the order of docs/performance-targets.md's targets, then P1 (persistence), which is not among them.
// Each is dist/scripts/bench/<name>.js.
const BENCHES = ['tensors', 'models', 'onnx', 'batching', 'persistence', 'realModels', 'store'];
const RESULTS_MD = path.join(BENCH_DIR, 'results.md');
const RESULTS_SVG = path.join(BENCH_DIR, 'results.svg');

/** Runs one benchmark script, its output shown live and kept in bench/.last-<name>.log. */
function runBench(name: string): Promise<number> {
  const script = path.join(ROOT, 'dist', 'scripts', 'bench', `${name}.js`);
  const log = fs.createWriteStream(path.join(BENCH_DIR, `.last-${name}.log`));
  return new Promise((resolve) => {
    const child = spawnTracked(process.execPath, [script]);
    child.stdout?.on('data', (d) => { process.stdout.write(d); log.write(d); });
    child.stderr?.on('data', (d) => { process.stderr.write(d); log.write(d); });
    child.once('error', (err) => { log.end(); resolve(-1); console.error(`${name}: ${err.message}`); });
    child.once('close', (code, signal) => { log.end(); resolve(code ?? (signal ? 128 : 1)); });
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const reportOnly = args.includes('--report-only');
  const noteAt = args.indexOf('--note');
  const note = noteAt >= 0 ? args[noteAt + 1] : undefined;
  if (noteAt >= 0 && !note) {
    console.error('--note needs the text of the note');
    return 2;
  }
  const chosen = args.filter((a, i) => !a.startsWith('--') && (noteAt < 0 || i !== noteAt + 1));
  const unknown = chosen.filter((n) => !BENCHES.includes(n));
  if (unknown.length) {
    console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHES.join(', ')}`);
    return 2;
  }
  const toRun = reportOnly ? [] : chosen.length ? chosen : BENCHES;
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const began = Date.now();
  const failures: ReportInput['failures'] = [];
  for (const name of toRun) {
    // A stale summary must not stand in for a run that failed.
    fs.rmSync(summaryPath(name), { force: true });
    console.log(`\n======== ${name} ========\n`);
    const t0 = Date.now();
    const code = await runBench(name);
    const took = `${((Date.now() - t0) / 1000).toFixed(0)} s`;
    if (code !== 0) failures.push({ bench: name, reason: `exited ${code} after ${took} (see bench/.last-${name}.log)` });
    else if (!readSummary(name)) failures.push({ bench: name, reason: `exited 0 after ${took} but wrote no ${path.relative(ROOT, summaryPath(name))}` });
    console.log(`\n${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${took}`);
  }
  const summaries = BENCHES.map(readSummary).filter((s): s is BenchSummary => s !== undefined);
  if (summaries.length === 0) {
    console.error('no benchmark summaries to report (bench/.last-*.json)');
    return 1;
  }
  const input: ReportInput = {
    summaries,
    failures,
    date: toRun.length ? new Date(began).toISOString() : summaries.map((s) => s.startedAt).sort()[0],
    // The benchmarks' own times added up, so a report rebuilt later says the same.
    totalSeconds: summaries.reduce((sum, s) => sum + s.seconds, 0),
    note,
  };
  const markdown = resultsMarkdown(input);
  fs.writeFileSync(RESULTS_MD, markdown);
  fs.writeFileSync(RESULTS_SVG, resultsSvg(input));
  const section = markdown.indexOf('## Targets');
  console.log(`\n${markdown.slice(section, markdown.indexOf('## The runs'))}`);
  const wall = toRun.length ? `; this run took ${((Date.now() - began) / 60_000).toFixed(1)} minutes` : '';
  console.log(`wrote ${path.relative(ROOT, RESULTS_MD)} and ${path.relative(ROOT, RESULTS_SVG)}${wall}`);
  return failures.length ? 1 : 0;
}

main()
  .catch((err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    return 1;
  })
  .then(async (code) => {
    await stopAll(); // a benchmark still running after an error
    process.exit(code);
  });
