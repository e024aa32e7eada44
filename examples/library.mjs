// The README's library example as a complete program: tensors, a TorchScript model, a script,
// a DAG, and the same keyspace served over RESP. Run it from the repository (or from a project
// that installed stormbreaker):  node examples/library.mjs
// It type-checks against the package's declarations as well (tsc --checkJs, in the tests).
import { readFileSync } from 'node:fs';
import { Tensor, Engine, createServer } from 'stormbreaker';

const a = Tensor.from(new Float32Array([1, 2, 3, 4]), [2, 2]);   // copied once into aligned native memory
const b = Tensor.fromArray([[1, 2], [3, 4]], 'INT32');              // shape read from the nesting
const s = Tensor.fromArray(['hello', 'wörld'], 'STRING');
console.log('a', a.shape, a.toArray(), '| b', b.dtype, b.shape, '| s', s.toArray());

const engine = new Engine();
engine.setTensor('a', a);
console.log('getTensor returns the same tensor:', engine.getTensor('a') === a);

// Models and scripts run on native device threads; the promises settle on the event loop.
// add.pt is TorchScript for forward(a, b): a + b.
const blob = readFileSync(new URL('./models/add.pt', import.meta.url));
await engine.storeModel('m', { backend: 'TORCH', device: 'CPU', blob });
const [sum] = await engine.runModel('m', [a, a]);
console.log('model a + a =', sum.toArray());

const source = `
def bar(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] * int(args[0]) + tensors[1]
`;
await engine.storeScript('s', { device: 'CPU', source, entryPoints: ['bar'] });
const [out] = await engine.runScript('s', 'bar', [a, a], { keys: ['k'], args: ['2'] });
console.log('script a * 2 + a =', out.toArray());

// A DAG: one pipeline, DAG-local tensors, ops on different devices in parallel.
const [ok, result] = await engine.dag({ load: ['a'], persist: ['sum'] })
  .modelExecute('m', ['a', 'a'], ['sum'])
  .tensorget('sum')
  .run();                                            // ['OK', Tensor]
if (!(result instanceof Tensor)) throw new Error(`TENSORGET gave ${result}`); // a DAG reply may also be 'OK' or an error
console.log('dag:', ok, result.toArray(), '| persisted:', engine.getTensor('sum').toArray());

// Serve that keyspace over RESP: any Redis client now sees 'a', 'm', 's' and 'sum'.
const server = createServer({ engine, port: 0 });
const { port } = await server.listen();
console.log(`serving on port ${port}; closing`);
await server.close();
