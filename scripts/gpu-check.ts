// The GPU check (scripts/gpu-check.sh runs it): TorchScript models and scripts on a CUDA device,
// against the same on CPU, through the library and over RESP. On a machine with no CUDA device it
// runs every check on CPU alone (the comparisons still mean something: CPU against CPU:1, two
// queues) and says why the GPU part was skipped. Exits non-zero at the first wrong answer.
//
//   node dist/scripts/gpu-check.js [--device GPU:0] [--model deps/models/efficientnet-lite0.pt]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createServer, Engine, Tensor } from '../src';
import { PACKAGE_ROOT } from '../src/packageRoot';
import { requestValue, Value } from './bench/resp';

const ROOT = PACKAGE_ROOT;
const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const SCRIPT = `def add(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] + tensors[1]
`;

function check(what: string, ok: boolean, detail = ''): void {
  if (!ok) {
    console.log(`FAILED ${what}${detail ? `: ${detail}` : ''}`);
    process.exit(1);
  }
  console.log(`ok ${what}`);
}

const close = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= 1e-5 * Math.max(1, Math.abs(b[i])));
const floats = (v: Value): number[] => (Array.isArray(v) ? v.map(Number) : []);

/** Whether this build's TORCH backend sees a CUDA device: a model stored on GPU:0 says so. */
async function cudaAvailable(engine: Engine, blob: Buffer): Promise<string | undefined> {
  try {
    await engine.storeModel('probe', { backend: 'TORCH', device: 'GPU:0', blob });
    engine.delete('probe');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
  const started = Date.now();
  const minimal = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'redisai', 'pt-minimal.pt'));
  const engine = new Engine();
  const missing = await cudaAvailable(engine, minimal);
  const device = missing === undefined ? arg('--device') ?? 'GPU:0' : 'CPU:1';
  console.log(missing === undefined
    ? `CUDA device found: checking ${device} against CPU`
    : `GPU part skipped: ${missing} (no CUDA device, or a TORCH backend built without CUDA); checking ${device} against CPU instead`);

  // 1. A model and a script on the device give what they give on CPU.
  await engine.storeModel('m:cpu', { backend: 'TORCH', device: 'CPU', blob: minimal });
  await engine.storeModel('m:dev', { backend: 'TORCH', device, blob: minimal });
  await engine.storeScript('s:cpu', { device: 'CPU', source: SCRIPT, entryPoints: ['add'] });
  await engine.storeScript('s:dev', { device, source: SCRIPT, entryPoints: ['add'] });
  const a = Tensor.fromArray([[1.5, -2], [3, 4.25]], 'FLOAT');
  const b = Tensor.fromArray([[0.5, 2], [-3, 1]], 'FLOAT');
  const [onCpu] = await engine.runModel('m:cpu', [a, b]);
  const [onDevice] = await engine.runModel('m:dev', [a, b]);
  check(`TorchScript model on ${device} equals CPU`, close(onDevice.toArray() as number[], onCpu.toArray() as number[]), `${onDevice.toArray()} vs ${onCpu.toArray()}`);
  const [sCpu] = await engine.runScript('s:cpu', 'add', [a, b]);
  const [sDev] = await engine.runScript('s:dev', 'add', [a, b]);
  check(`TorchScript script on ${device} equals CPU`, close(sDev.toArray() as number[], sCpu.toArray() as number[]));

  // 2. Over RESP: autobatching on the device, a DAG with one op on CPU and one on the device, many clients.
  const server = createServer({ port: 0, engine, logSink: () => undefined });
  const { port } = await server.listen();
  const call = (...args: Array<string | number | Buffer>) => requestValue(port, args, 60_000);
  await call('AI.MODELSTORE', 'm:batched', 'TORCH', device, 'BATCHSIZE', 8, 'MINBATCHSIZE', 4, 'MINBATCHTIMEOUT', 20, 'BLOB', minimal);
  const clients = 16;
  await Promise.all(Array.from({ length: clients }, (_, i) => call('AI.TENSORSET', `in:${i}`, 'FLOAT', 1, 2, 'VALUES', i, -i)));
  const batched = await Promise.all(Array.from({ length: clients }, async (_, i) => {
    await call('AI.MODELEXECUTE', 'm:batched', 'INPUTS', 2, `in:${i}`, `in:${i}`, 'OUTPUTS', 1, `out:${i}`);
    return floats(await call('AI.TENSORGET', `out:${i}`, 'VALUES'));
  }));
  check(`autobatching on ${device}: ${clients} clients each get their own row back`, batched.every((v, i) => close(v, [2 * i, -2 * i])));
  const info = String(await call('INFO', 'MODULES'));
  const meanBatch = info.split('\r\n').find((line) => line.startsWith(`ai_queue_${device.toUpperCase()}_mean_batch_size:`));
  console.log(`  ${meanBatch ?? `no ${device} queue line in INFO MODULES`}`);

  const dag = await call('AI.DAGEXECUTE', 'LOAD', 1, 'in:3', '|>',
    'AI.MODELEXECUTE', 'm:cpu', 'INPUTS', 2, 'in:3', 'in:3', 'OUTPUTS', 1, 'x', '|>',
    'AI.MODELEXECUTE', 'm:dev', 'INPUTS', 2, 'in:3', 'in:3', 'OUTPUTS', 1, 'y', '|>',
    'AI.TENSORGET', 'x', 'VALUES', '|>', 'AI.TENSORGET', 'y', 'VALUES');
  check(`a DAG with one op on CPU and one on ${device} (they run at the same time, on two queues)`,
    Array.isArray(dag) && close(floats(dag[2]), [6, -6]) && close(floats(dag[3]), [6, -6]), JSON.stringify(dag));

  const rounds = 25;
  const many = await Promise.all(Array.from({ length: 32 }, async (_, c) => {
    for (let r = 0; r < rounds; r++) {
      const key = `c:${c}`;
      await call('AI.TENSORSET', key, 'FLOAT', 1, 2, 'VALUES', c, r);
      await call('AI.MODELEXECUTE', 'm:dev', 'INPUTS', 2, key, key, 'OUTPUTS', 1, `${key}:out`);
      if (!close(floats(await call('AI.TENSORGET', `${key}:out`, 'VALUES')), [2 * c, 2 * r])) return false;
    }
    return true;
  }));
  check(`32 clients × ${rounds} runs on ${device}, every answer right`, many.every(Boolean));

  // 3. A short benchmark: the real classifier on CPU and on the device, batch 1 and batched.
  const classifier = arg('--model') ?? path.join(ROOT, 'deps', 'models', 'efficientnet-lite0.pt');
  if (!fs.existsSync(classifier)) {
    console.log(`benchmark skipped: ${classifier} not found (get_deps.sh --with-models makes it)`);
  } else {
    const blob = fs.readFileSync(classifier);
    const image = Tensor.fromBlob('FLOAT', [1, 3, 224, 224], new Uint8Array(new Float32Array(3 * 224 * 224).fill(0.5).buffer));
    const figures = new Map<string, { p50: number; rate: number }>();
    for (const [label, dev] of [['CPU', 'CPU'], [device, device]] as const) {
      await engine.storeModel(`cls:${label}`, { backend: 'TORCH', device: dev, blob });
      await engine.storeModel(`clsb:${label}`, { backend: 'TORCH', device: dev, blob, batchsize: 16 });
      for (let i = 0; i < 5; i++) await engine.runModel(`cls:${label}`, [image]);
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        await engine.runModel(`cls:${label}`, [image]);
        times.push(performance.now() - t0);
      }
      engine.setTensor('img', image);
      const t0 = performance.now();
      const runs = 64;
      await Promise.all(Array.from({ length: runs }, (_, i) => engine.executeModel(`clsb:${label}`, ['img'], [`cls:out:${i}`])));
      const perSecond = runs / ((performance.now() - t0) / 1000);
      figures.set(label, { p50: percentile(times, 50), rate: perSecond });
      console.log(`EfficientNet-Lite0 (TorchScript) on ${label}: batch 1 p50 ${percentile(times, 50).toFixed(2)} ms; 64 runs in flight, BATCHSIZE 16: ${perSecond.toFixed(0)} runs/s`);
    }
    const cpu = figures.get('CPU')!;
    const dev = figures.get(device)!;
    console.log(`  ${device} over CPU, same run: batch 1 ${(cpu.p50 / dev.p50).toFixed(2)}× faster, batched ${(dev.rate / cpu.rate).toFixed(2)}× the throughput`);
  }
  await server.close();
  console.log(`gpu-check passed in ${((Date.now() - started) / 1000).toFixed(1)} s${missing === undefined ? '' : ' (CPU half only)'}`);
  process.exit(0);
}

main().catch((err) => {
  console.log(`FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
