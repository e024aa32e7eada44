// Real pretrained models (deps/models, get_deps.sh --with-models), reported without targets:
//   1. EfficientNet-Lite0 (ONNX) autobatching curve: closed-loop clients, each classifying a photo
//      of its own, the model stored plain and with BATCHSIZE 16, at 1, 8, 32 and 64 clients.
//   2. The SSD detector pipeline end to end (a decoded photo in, boxes out: TorchScript, TFLITE,
//      TorchScript), one client, sequential: one AI.DAGEXECUTE over RESP against the same steps
//      run in this process by the library (engine.dag()), medians of alternating windows.
// Writes bench/.last-realModels.json.   npm run bench:real
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine, Tensor } from '../../src';
import { LatencyClient, percentile, sequential } from './latencyClient';
import { runClosedLoop } from './closedLoopLatency';
import { encodeCommand, request } from './resp';
import { freePorts, ROOT, RunningServer, startStormbreaker } from './servers';
import { BatchingPoint, judged, machineNote, TargetRow, writeSummary } from './summary';
import { runBench } from './runBench';

const MODELS = path.join(ROOT, 'deps', 'models');
const file = (name: string) => {
  const p = path.join(MODELS, name);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run ./get_deps.sh --with-models (npm run bench prepares it)`);
  return fs.readFileSync(p);
};
const CLASSIFIER_REFERENCE = JSON.parse(file('efficientnet-lite0.reference.json').toString()) as Record<string, { top5: number[] }>;
const PHOTOS = Object.keys(CLASSIFIER_REFERENCE);
const DETECTOR_REFERENCE = JSON.parse(file('ssd.reference.json').toString()) as Record<string, { shape: number[]; detections: Array<{ class: number }> }>;

const CLIENT_COUNTS = [1, 8, 32, 64];
const BATCH_SIZE = 16;
const WINDOW_MS = 3_000; // a run is a few ms: a window holds hundreds of requests at every count
const WARMUP_MS = 1_000;
const REPEATS = 3;
const DETECTOR_RUNS = 100; // per window; a pipeline is ~10-20 ms

type Variant = 'unbatched' | 'batched';
const VARIANTS: Variant[] = ['unbatched', 'batched'];
const MODEL_KEY: Record<Variant, string> = { unbatched: 'effnet:single', batched: `effnet:batch${BATCH_SIZE}` };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtOps = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (us: number) => `${(us / 1000).toFixed(2)} ms`;
const floats = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const argmax = (xs: Float32Array) => xs.indexOf(Math.max(...xs));
const photoOf = (client: number) => PHOTOS[client % PHOTOS.length];
const execute = (v: Variant, client: number) => encodeCommand(['AI.MODELEXECUTE', MODEL_KEY[v], 'INPUTS', 1, `in:${client}`, 'OUTPUTS', 1, `out:${client}`]);

async function expectOk(sb: RunningServer, args: Array<string | Buffer | number>): Promise<void> {
  const reply = await request(sb.port, args, 60_000);
  if (reply !== 'OK') throw new Error(`stormbreaker: ${String(args[0])} ${String(args[1])} replied ${reply instanceof Error ? reply.message : String(reply)}`);
}

/** Every client's last output is the class the reference gives its photo: a batch split wrongly shows here. */
async function verify(sb: RunningServer, clients: number, after: string): Promise<void> {
  for (let i = 0; i < clients; i++) {
    const reply = await request(sb.port, ['AI.TENSORGET', `out:${i}`, 'BLOB']);
    if (!Buffer.isBuffer(reply)) throw new Error(`stormbreaker: out:${i} after ${after}: ${String(reply)}`);
    const top = argmax(floats(reply));
    if (top !== CLASSIFIER_REFERENCE[photoOf(i)].top5[0]) throw new Error(`after ${after}, client ${i} (${photoOf(i)}) got class ${top}, not ${CLASSIFIER_REFERENCE[photoOf(i)].top5[0]}`);
  }
}

async function batchCounters(sb: RunningServer): Promise<{ batches: number; batchedRuns: number }> {
  const info = String(await request(sb.port, ['INFO', 'MODULES']));
  const num = (k: string) => Number(new RegExp(`\\r\\n${k}:(\\d+)`).exec(info)?.[1] ?? NaN);
  return { batches: num('ai_queue_CPU_batches'), batchedRuns: num('ai_queue_CPU_batched_runs') };
}

async function classifierCurve(sb: RunningServer): Promise<BatchingPoint[]> {
  const blob = file('efficientnet-lite0.onnx');
  await expectOk(sb, ['AI.MODELSTORE', MODEL_KEY.unbatched, 'ONNX', 'CPU', 'BLOB', blob]);
  await expectOk(sb, ['AI.MODELSTORE', MODEL_KEY.batched, 'ONNX', 'CPU', 'BATCHSIZE', BATCH_SIZE, 'BLOB', blob]);
  const maxClients = Math.max(...CLIENT_COUNTS);
  for (let i = 0; i < maxClients; i++) await expectOk(sb, ['AI.TENSORSET', `in:${i}`, 'FLOAT', 1, 3, 224, 224, 'BLOB', file(`${photoOf(i)}.input`)]);
  console.log(`EfficientNet-Lite0 stored plain and with BATCHSIZE ${BATCH_SIZE}; ${maxClients} inputs from ${PHOTOS.length} photos`);
  const points: BatchingPoint[] = [];
  for (const [ci, count] of CLIENT_COUNTS.entries()) {
    const clients = await Promise.all(Array.from({ length: count }, () => LatencyClient.open(sb.port)));
    try {
      const commands = Object.fromEntries(VARIANTS.map((v) => [v, clients.map((_, i) => execute(v, i))])) as Record<Variant, Buffer[]>;
      for (const v of VARIANTS) await runClosedLoop(clients, commands[v], WARMUP_MS);
      const windows: Record<Variant, Array<{ ops: number; p50: number; p99: number; meanBatch: number; perCall: number; merged: number }>> = { unbatched: [], batched: [] };
      for (let rep = 0; rep < REPEATS; rep++) {
        for (const v of (rep + ci) % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          const before = await batchCounters(sb);
          const r = await runClosedLoop(clients, commands[v], WINDOW_MS);
          const after = await batchCounters(sb);
          await verify(sb, count, `${count} clients on ${MODEL_KEY[v]}`);
          const batches = after.batches - before.batches;
          const batchedRuns = after.batchedRuns - before.batchedRuns;
          windows[v].push({
            ops: r.opsPerSecond, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99),
            meanBatch: batches > 0 ? batchedRuns / batches : 0, merged: batchedRuns / r.ops, perCall: r.ops / (batches + r.ops - batchedRuns),
          });
          console.log(`${String(count).padStart(2)} clients, run ${rep + 1}, ${v}: ${fmtOps(r.opsPerSecond)} runs/s, p50 ${fmtMs(percentile(r.latencies, 50))}, p99 ${fmtMs(percentile(r.latencies, 99))}`);
        }
      }
      const point = (xs: typeof windows.unbatched) => ({ opsPerSecond: median(xs.map((x) => x.ops)), p50Us: median(xs.map((x) => x.p50)), p99Us: median(xs.map((x) => x.p99)) });
      points.push({
        clients: count,
        unbatched: point(windows.unbatched),
        batched: {
          ...point(windows.batched), meanBatchSize: median(windows.batched.map((x) => x.meanBatch)),
          mergedShare: median(windows.batched.map((x) => x.merged)), requestsPerCall: median(windows.batched.map((x) => x.perCall)),
        },
        throughputRatio: median(windows.batched.map((b, i) => b.ops / windows.unbatched[i].ops)),
        p99Ratio: median(windows.batched.map((b, i) => b.p99 / windows.unbatched[i].p99)),
      });
    } finally {
      for (const c of clients) c.close();
    }
  }
  return points;
}

/** The detector pipeline's DAG, over RESP and in-process; p50 of each, medians of alternating windows. */
async function detectorLatency(sb: RunningServer): Promise<{ serverP50: number; libraryP50: number }> {
  const model = file('ssd_mobilenetv2_oidv4_fp16.tflite');
  const script = fs.readFileSync(path.join(ROOT, 'examples', 'scripts', 'ssd_detector.py'));
  const photo = 'dog.jpg';
  const [h, w] = DETECTOR_REFERENCE[photo].shape;
  const rgb = file(`${photo}.rgb`);
  await expectOk(sb, ['AI.MODELSTORE', 'ssd', 'TFLITE', 'CPU', 'BLOB', model]);
  await expectOk(sb, ['AI.SCRIPTSTORE', 'ssd_steps', 'CPU', 'ENTRY_POINTS', 2, 'preprocess', 'detect', 'SOURCE', script]);
  const dag = encodeCommand(['AI.DAGEXECUTE', 'ROUTING', 'photo', '|>', 'AI.TENSORSET', 'photo', 'UINT8', h, w, 3, 'BLOB', rgb, '|>',
    'AI.SCRIPTEXECUTE', 'ssd_steps', 'preprocess', 'INPUTS', 1, 'photo', 'OUTPUTS', 1, 'x', '|>',
    'AI.MODELEXECUTE', 'ssd', 'INPUTS', 1, 'x', 'OUTPUTS', 2, 'encodings', 'class_scores', '|>',
    'AI.SCRIPTEXECUTE', 'ssd_steps', 'detect', 'INPUTS', 2, 'encodings', 'class_scores', 'OUTPUTS', 3, 'boxes', 'scores', 'classes', '|>',
    'AI.TENSORGET', 'boxes', 'BLOB', '|>', 'AI.TENSORGET', 'scores', 'BLOB', '|>', 'AI.TENSORGET', 'classes', 'BLOB']);
  const engine = new Engine();
  await engine.storeModel('ssd', { backend: 'TFLITE', device: 'CPU', blob: model });
  await engine.storeScript('ssd_steps', { device: 'CPU', source: script, entryPoints: ['preprocess', 'detect'] });
  const inProcess = async () => {
    const t = performance.now();
    const out = await engine.dag()
      .tensorset('photo', Tensor.from(rgb, [h, w, 3], 'UINT8'))
      .scriptExecute('ssd_steps', 'preprocess', { inputs: ['photo'], outputs: ['x'] })
      .modelExecute('ssd', ['x'], ['encodings', 'class_scores'])
      .scriptExecute('ssd_steps', 'detect', { inputs: ['encodings', 'class_scores'], outputs: ['boxes', 'scores', 'classes'] })
      .tensorget('boxes').tensorget('scores').tensorget('classes')
      .run();
    const classes = out[out.length - 1] as Tensor;
    if (Number(classes.data[0]) !== DETECTOR_REFERENCE[photo].detections[0].class) throw new Error(`library: class ${classes.data[0]} on ${photo}`);
    return (performance.now() - t) * 1000;
  };
  const client = await LatencyClient.open(sb.port);
  try {
    await sequential(client, dag, 10);
    for (let i = 0; i < 10; i++) await inProcess();
    const server: number[] = [];
    const library: number[] = [];
    for (let rep = 0; rep < REPEATS; rep++) {
      for (const side of rep % 2 === 0 ? ['server', 'library'] : ['library', 'server']) {
        if (side === 'server') {
          server.push(percentile(await sequential(client, dag, DETECTOR_RUNS), 50));
        } else {
          const xs: number[] = [];
          for (let i = 0; i < DETECTOR_RUNS; i++) xs.push(await inProcess());
          library.push(percentile(xs, 50));
        }
      }
      console.log(`detector DAG run ${rep + 1}: server p50 ${fmtMs(server[rep])}, library in-process p50 ${fmtMs(library[rep])}`);
    }
    return { serverP50: median(server), libraryP50: median(library) };
  } finally {
    client.close();
  }
}

async function main(): Promise<void> {
  const began = Date.now();
  const startedAt = new Date().toISOString();
  const machine = machineNote();
  console.log(`# Real models benchmark\n\nnode ${process.version}, ${machine}\n`);
  const [port] = await freePorts(1);
  const sb = await startStormbreaker(port);
  const points = await classifierCurve(sb);
  const detector = await detectorLatency(sb);

  console.log(`\n| clients | unbatched runs/s | BATCHSIZE ${BATCH_SIZE} runs/s | throughput ratio | unbatched p50 / p99 | batched p50 / p99 | mean batch |`);
  console.log('|---|---|---|---|---|---|---|');
  for (const p of points) {
    console.log(`| ${p.clients} | ${fmtOps(p.unbatched.opsPerSecond)} | ${fmtOps(p.batched.opsPerSecond)} | ${p.throughputRatio.toFixed(2)}× | ` +
      `${fmtMs(p.unbatched.p50Us)} / ${fmtMs(p.unbatched.p99Us)} | ${fmtMs(p.batched.p50Us)} / ${fmtMs(p.batched.p99Us)} | ${p.batched.meanBatchSize.toFixed(1)} |`);
  }
  const at32 = points.find((p) => p.clients === 32) as BatchingPoint;
  const ratio = detector.serverP50 / detector.libraryP50;
  console.log(`\ndetector DAG (photo in, boxes out), one client: server p50 ${fmtMs(detector.serverP50)}, same steps in-process ${fmtMs(detector.libraryP50)}: ${ratio.toFixed(2)}×`);
  const targets: TargetRow[] = [
    judged({
      id: 'R1', what: `EfficientNet-Lite0 (ONNX), 32 clients: BATCHSIZE ${BATCH_SIZE} vs no batching, throughput`,
      reference: `${fmtOps(at32.unbatched.opsPerSecond)} runs/s unbatched`, ours: `${fmtOps(at32.batched.opsPerSecond)} runs/s (mean batch ${at32.batched.meanBatchSize.toFixed(1)})`,
      value: at32.throughputRatio, unit: '×', direction: 'atLeast', threshold: 1, informational: true,
    }),
    judged({
      id: 'R2', what: 'SSD detector pipeline in one DAGEXECUTE (TorchScript, TFLITE, TorchScript), one client: server p50 vs the same steps in-process',
      reference: `p50 ${fmtMs(detector.libraryP50)} in-process (library)`, ours: `p50 ${fmtMs(detector.serverP50)}`,
      value: ratio, unit: '×', direction: 'atMost', threshold: 1, informational: true,
    }),
  ];
  writeSummary({ bench: 'realModels', startedAt, seconds: (Date.now() - began) / 1000, machine, targets, classifierBatching: points });
  console.log(`\ntotal ${((Date.now() - began) / 1000).toFixed(0)} s`);
}

runBench(main);
