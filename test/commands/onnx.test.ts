import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Engine, Server, Tensor } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

let server: Server;
let c: RawClient;

beforeAll(async () => {
  const started = await startServer();
  server = started.server;
  c = await RawClient.connect(started.port);
});
afterAll(async () => {
  await c.close();
  await server.close();
});

const argmax = (values: Parsed) => {
  const v = (values as string[]).map(Number);
  return v.indexOf(Math.max(...v));
};

describe('ONNX backend (ONNX Runtime)', () => {
  it('runs the MNIST CNN: one.raw is a 1', async () => {
    assert.equal(await c.call('AI.MODELSTORE', 'mnist', 'ONNX', 'cpu', 'BLOB', fixture('mnist.onnx')), 'OK');
    const meta = (await c.call('AI.MODELGET', 'mnist', 'META')) as Parsed[];
    assert.deepEqual(meta.slice(0, 4), ['backend', 'ONNX', 'device', 'cpu']);
    assert.deepEqual(meta.slice(10, 14), ['inputs', ['Input3'], 'outputs', ['Plus214_Output_0']]);
    assert.equal(await c.call('AI.TENSORSET', 'one', 'FLOAT', 1, 1, 28, 28, 'BLOB', fixture('one.raw')), 'OK');
    assert.equal(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'one', 'OUTPUTS', 1, 'digit'), 'OK');
    const [, , , shape, , values] = (await c.call('AI.TENSORGET', 'digit', 'META', 'VALUES')) as Parsed[];
    assert.deepEqual(shape, [1, 10]);
    assert.equal(argmax(values), 1);
  });

  it('runs a batch through the dynamic-batch MNIST model', async () => {
    await c.call('AI.MODELSTORE', 'mnistb', 'ONNX', 'CPU', 'BLOB', fixture('mnist_batched.onnx'));
    const two = Buffer.concat([fixture('one.raw'), fixture('one.raw')]);
    await c.call('AI.TENSORSET', 'two', 'FLOAT', 2, 1, 28, 28, 'BLOB', two);
    assert.equal(await c.call('AI.MODELEXECUTE', 'mnistb', 'INPUTS', 1, 'two', 'OUTPUTS', 1, 'digits'), 'OK');
    const values = (await c.call('AI.TENSORGET', 'digits', 'VALUES')) as string[];
    assert.equal(values.length, 20);
    assert.equal(argmax(values.slice(0, 10)), 1);
    assert.equal(argmax(values.slice(10)), 1);
  });

  it('answers scikit-learn\'s linear_iris.onnx with the known %.17g value', async () => {
    await c.call('AI.MODELSTORE', 'iris', 'ONNX', 'CPU', 'BLOB', fixture('linear_iris.onnx'));
    assert.deepEqual(((await c.call('AI.MODELGET', 'iris', 'META')) as Parsed[]).slice(10, 14), ['inputs', ['float_input'], 'outputs', ['variable']]);
    await c.call('AI.TENSORSET', 'flower', 'FLOAT', 1, 4, 'VALUES', 5.1, 3.5, 1.4, 0.2);
    assert.equal(await c.call('AI.MODELEXECUTE', 'iris', 'INPUTS', 1, 'flower', 'OUTPUTS', 1, 'pred'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'pred', 'VALUES'), ['-0.090524077415466309']);
  });

  it('stores a ZipMap output (sequence of maps) as FLOAT [N, classes] in class order, not dropping it', async () => {
    await c.call('AI.MODELSTORE', 'logreg', 'ONNX', 'CPU', 'BLOB', fixture('logreg_iris.onnx'));
    assert.deepEqual(((await c.call('AI.MODELGET', 'logreg', 'META')) as Parsed[]).slice(12, 14), ['outputs', ['output_label', 'output_probability']]);
    // Which class each probability column is: the ZipMap's labels, ascending.
    assert.deepEqual(await c.call('AI.MODELGET', 'logreg', 'LABELS'), [null, ['0', '1', '2']]);
    await c.call('AI.TENSORSET', 'flower1', 'FLOAT', 1, 4, 'VALUES', 5.1, 3.5, 1.4, 0.2);
    assert.equal(await c.call('AI.MODELEXECUTE', 'logreg', 'INPUTS', 1, 'flower1', 'OUTPUTS', 2, 'label', 'prob'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'label', 'META', 'VALUES'), ['dtype', 'INT64', 'shape', [1], 'values', [0]]);
    const [, dtype, , shape, , values] = (await c.call('AI.TENSORGET', 'prob', 'META', 'VALUES')) as Parsed[];
    assert.equal(dtype, 'FLOAT');
    assert.deepEqual(shape, [1, 3]);
    const p = (values as string[]).map(Number);
    assert.ok(Math.abs(p[0] - 0.8737) < 1e-4 && Math.abs(p[1] - 0.1263) < 1e-4 && Math.abs(p[2] - 3.7e-5) < 1e-6, String(p));
  });

  it('refuses garbage and truncated blobs and bad inputs with ONNX Runtime\'s message, and keeps serving', async () => {
    assert.equal(message(await c.call('AI.MODELSTORE', 'bad', 'ONNX', 'CPU', 'BLOB', 'junk')), 'Failed to load model because protobuf parsing failed.');
    const truncated = await c.call('AI.MODELSTORE', 'bad', 'ONNX', 'CPU', 'BLOB', fixture('mnist.onnx').subarray(0, 5000));
    assert.ok(truncated instanceof Error);
    assert.ok(await c.call('AI.MODELSTORE', 'bad', 'ONNX', 'CPU', 'BLOB', fixture('pt-minimal.pt')) instanceof Error, 'a TorchScript file is not an ONNX model');
    await c.call('AI.TENSORSET', 'flat', 'FLOAT', 2, 'VALUES', 1, 2);
    assert.equal(message(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'flat', 'OUTPUTS', 1, 'x')),
      'Invalid rank for input: Input3 Got: 1 Expected: 4 Please fix either the inputs/outputs or the model.');
    await c.call('AI.TENSORSET', 'ints', 'INT32', 1, 1, 28, 28);
    assert.ok(await c.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'ints', 'OUTPUTS', 1, 'x') instanceof Error, 'a wrong dtype is an error');
    assert.equal(message(await c.call('AI.MODELSTORE', 'g', 'ONNX', 'GPU', 'BLOB', fixture('mnist.onnx'))), "GPU requested but ONNX couldn't find CUDA");
    assert.equal(await c.call('PING'), 'PONG');
  });

  it('reports the runtime version in INFO MODULES once loaded', async () => {
    assert.match(String(await c.call('INFO', 'MODULES')), /\r\nai_onnxruntime_version:1\.\d+\.\d+\r\n/);
  });

  it('reports the memory ONNX Runtime holds and its allocations and frees, counted by our allocator', async () => {
    const { startServerProcess } = await import('../helpers/servers');
    const proc = await startServerProcess(); // its own process: the figures are per process
    const client = await RawClient.connect(proc.port);
    const figures = async () => {
      const info = String(await client.call('INFO', 'MODULES'));
      return { bytes: Number(/\r\nai_onnxruntime_memory:(\d+)\r\n/.exec(info)?.[1]), accesses: Number(/\r\nai_onnxruntime_memory_access_num:(\d+)\r\n/.exec(info)?.[1]) };
    };
    assert.equal(await client.call('AI.MODELSTORE', 'mnist', 'ONNX', 'CPU', 'BLOB', fixture('mnist.onnx')), 'OK');
    const loaded = await figures();
    // MNIST's weights (its file is 26 KB) are held by the session.
    assert.ok(loaded.bytes > 10_000 && loaded.accesses > 0, JSON.stringify(loaded));
    await client.call('AI.TENSORSET', 'img', 'FLOAT', 1, 1, 28, 28, 'BLOB', fixture('one.raw'));
    assert.equal(await client.call('AI.MODELEXECUTE', 'mnist', 'INPUTS', 1, 'img', 'OUTPUTS', 1, 'out'), 'OK');
    const ran = await figures();
    assert.ok(ran.accesses >= loaded.accesses + 2, `a run allocates and frees: ${JSON.stringify([loaded, ran])}`);
    await client.close();
    await proc.stop();
  });

  it('runs from the library', async () => {
    const engine = new Engine();
    await engine.storeModel('iris', { backend: 'ONNX', device: 'CPU', blob: fixture('linear_iris.onnx') });
    const [pred] = await engine.runModel('iris', [Tensor.fromArray([[5.1, 3.5, 1.4, 0.2]], 'FLOAT')]);
    assert.deepEqual(pred.shape, [1, 1]);
    assert.ok(Math.abs((pred.data as Float32Array)[0] - -0.090524077415466309) < 1e-7);
  });
});

describe('ONNX STRING tensors', () => {
  it('passes STRING tensors through an identity model both ways', async () => {
    const { run } = await import('../helpers/servers');
    const os = await import('node:os');
    const file = path.join(os.tmpdir(), `stormbreaker-identity-${process.pid}.onnx`);
    // A one-node graph made at test time with Debian's python3-onnx.
    const script = `
import sys, onnx
from onnx import helper, TensorProto
x = helper.make_tensor_value_info('x', TensorProto.STRING, [None])
y = helper.make_tensor_value_info('y', TensorProto.STRING, [None])
graph = helper.make_graph([helper.make_node('Identity', ['x'], ['y'])], 'identity', [x], [y])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
`;
    const made = await run('/usr/bin/python3', ['-c', script, file]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(await c.call('AI.MODELSTORE', 'ident', 'ONNX', 'CPU', 'BLOB', fs.readFileSync(file)), 'OK');
    fs.unlinkSync(file);
    await c.call('AI.TENSORSET', 'words', 'STRING', 3, 'VALUES', 'héllo', '', 'wörld');
    assert.equal(await c.call('AI.MODELEXECUTE', 'ident', 'INPUTS', 1, 'words', 'OUTPUTS', 1, 'same'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'same', 'META', 'VALUES'), ['dtype', 'STRING', 'shape', [3], 'values', ['héllo', '', 'wörld']]);
  });
});

describe('ONNX models with external data', () => {
  it('refuses a model whose initializers live in another file, and loads the same model inline', async () => {
    const { run } = await import('../helpers/servers');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-external-'));
    // x + W with W an initializer, saved once inline and once with W in weights.bin beside it.
    const script = `
import sys, os, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
w = numpy_helper.from_array(np.array([1, 2, 3, 4], dtype=np.float32), name='W')
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [4])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [4])
graph = helper.make_graph([helper.make_node('Add', ['x', 'W'], ['y'])], 'add', [x], [y], [w])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
onnx.save(model, os.path.join(sys.argv[1], 'inline.onnx'))
onnx.save_model(model, os.path.join(sys.argv[1], 'external.onnx'), save_as_external_data=True,
                all_tensors_to_one_file=True, location='weights.bin', size_threshold=0)
`;
    const made = await run('/usr/bin/python3', ['-c', script, dir]);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(message(await c.call('AI.MODELSTORE', 'ext', 'ONNX', 'CPU', 'BLOB', fs.readFileSync(path.join(dir, 'external.onnx')))),
      'Initializer tensors with external data is not allowed.');
    assert.equal(await c.call('AI.MODELSTORE', 'inl', 'ONNX', 'CPU', 'BLOB', fs.readFileSync(path.join(dir, 'inline.onnx'))), 'OK');
    await c.call('AI.TENSORSET', 'x4', 'FLOAT', 4, 'VALUES', 10, 20, 30, 40);
    assert.equal(await c.call('AI.MODELEXECUTE', 'inl', 'INPUTS', 1, 'x4', 'OUTPUTS', 1, 'y4'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'y4', 'VALUES'), ['11', '22', '33', '44']);
    fs.rmSync(dir, { recursive: true });
  });

  it('finds external data wherever a tensor can be: a model-local function, behind nested unknown groups; refuses what it cannot check', async () => {
    const { run } = await import('../helpers/servers');
    const os = await import('node:os');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-external-'));
    fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    // y = AddW(x), AddW a model-local function (ModelProto field 25) whose Constant W is external data.
    const script = `
import sys, os, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
w = numpy_helper.from_array(np.array([1, 2, 3, 4], dtype=np.float32), name='W')
w.data_location = TensorProto.EXTERNAL
entry = w.external_data.add(); entry.key = 'location'; entry.value = 'weights.bin'
w.ClearField('raw_data')
const = helper.make_node('Constant', [], ['W'], value=w)
add = helper.make_node('Add', ['x', 'W'], ['y'])
fn = helper.make_function('local', 'AddW', ['x'], ['y'], [const, add], [helper.make_opsetid('', 13)])
x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [4])
y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [4])
graph = helper.make_graph([helper.make_node('AddW', ['x'], ['y'], domain='local')], 'g', [x], [y])
model = helper.make_model(graph, functions=[fn], opset_imports=[helper.make_opsetid('', 13), helper.make_opsetid('local', 1)])
model.ir_version = 8
open(os.path.join(sys.argv[1], 'function.onnx'), 'wb').write(model.SerializeToString())
`;
    const made = await run('/usr/bin/python3', ['-c', script, dir]);
    assert.equal(made.code, 0, made.stderr);
    const refused = 'Initializer tensors with external data is not allowed.';
    assert.equal(message(await c.call('AI.MODELSTORE', 'fn', 'ONNX', 'CPU', 'BLOB', fs.readFileSync(path.join(dir, 'function.onnx')))), refused);
    // An unknown field 99 holding groups nested 33 deep, before the model's own fields: valid
    // protobuf that ONNX Runtime skips; the check must read past it too.
    const groups = (depth: number) => Buffer.concat([Buffer.alloc(depth * 2, 0), Buffer.alloc(depth * 2, 0)].map((b, i) => {
      for (let k = 0; k < depth; k++) b.writeUInt16BE(i === 0 ? 0x9b06 : 0x9c06, k * 2); // key of field 99, wire type 3 / 4
      return b;
    }));
    const external = fs.readFileSync(path.join(dir, 'function.onnx'));
    assert.equal(message(await c.call('AI.MODELSTORE', 'g', 'ONNX', 'CPU', 'BLOB', Buffer.concat([groups(33), external]))), refused);
    assert.equal(message(await c.call('AI.MODELSTORE', 'g', 'ONNX', 'CPU', 'BLOB', Buffer.concat([groups(150), external]))),
      'the model is nested too deep to be checked for external data: refused');
    assert.equal(await c.call('EXISTS', 'fn', 'g'), 0);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('ONNX MODEL_EXECUTION_TIMEOUT', () => {
  it('terminates a model that never ends, and the queue serves the next run', async () => {
    const { run } = await import('../helpers/servers');
    const os = await import('node:os');
    const file = path.join(os.tmpdir(), `stormbreaker-forever-${process.pid}.onnx`);
    // A Loop whose trip count is 2^62 and whose condition stays true: it does not end by itself.
    const script = `
import sys, onnx
from onnx import helper, TensorProto
v = helper.make_tensor_value_info
body = helper.make_graph(
    [helper.make_node('Constant', [], ['one'], value=helper.make_tensor('c', TensorProto.FLOAT, [1], [1.0])),
     helper.make_node('Add', ['x_in', 'one'], ['x_out']),
     helper.make_node('Identity', ['cond_in'], ['cond_out'])],
    'body', [v('iter', TensorProto.INT64, []), v('cond_in', TensorProto.BOOL, []), v('x_in', TensorProto.FLOAT, [1])],
    [v('cond_out', TensorProto.BOOL, []), v('x_out', TensorProto.FLOAT, [1])])
graph = helper.make_graph([helper.make_node('Loop', ['M', 'C', 'x'], ['y'], body=body)], 'forever',
    [v('x', TensorProto.FLOAT, [1])], [v('y', TensorProto.FLOAT, [1])],
    [helper.make_tensor('M', TensorProto.INT64, [], [2**62]), helper.make_tensor('C', TensorProto.BOOL, [], [True])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
`;
    const made = await run('/usr/bin/python3', ['-c', script, file]);
    assert.equal(made.code, 0, made.stderr);
    const started = await startServer({ ai: { modelExecutionTimeout: 1000 } });
    const client = await RawClient.connect(started.port);
    assert.match(String(await client.call('INFO', 'MODULES')), /\r\nai_model_execution_timeout:1000\r\n/);
    assert.equal(await client.call('AI.MODELSTORE', 'forever', 'ONNX', 'CPU', 'BLOB', fs.readFileSync(file)), 'OK');
    fs.unlinkSync(file);
    await client.call('AI.TENSORSET', 'x1', 'FLOAT', 1, 'VALUES', 0);
    assert.match(message(await client.call('AI.MODELEXECUTE', 'forever', 'INPUTS', 1, 'x1', 'OUTPUTS', 1, 'y1')), /Exiting due to terminate flag being set to true/);
    await client.call('AI.MODELSTORE', 'iris', 'ONNX', 'CPU', 'BLOB', fixture('linear_iris.onnx'));
    await client.call('AI.TENSORSET', 'f', 'FLOAT', 1, 4, 'VALUES', 5.1, 3.5, 1.4, 0.2);
    assert.equal(await client.call('AI.MODELEXECUTE', 'iris', 'INPUTS', 1, 'f', 'OUTPUTS', 1, 'p'), 'OK');
    await client.close();
    await started.server.close();
  });
});

describe('ONNX BACKEND_MEMORY_LIMIT', () => {
  it('refuses a run that needs more than the limit with the spec\'s message, and runs one that fits', async () => {
    const { startServerProcess } = await import('../helpers/servers');
    const proc = await startServerProcess(['--backend-memory-limit', '1']);
    const client = await RawClient.connect(proc.port);
    assert.match(String(await client.call('INFO', 'MODULES')), /\r\nai_backend_memory_limit:1\r\n/);
    assert.equal(await client.call('AI.MODELSTORE', 'mb', 'ONNX', 'CPU', 'BLOB', fixture('mnist_batched.onnx')), 'OK');
    const hundred = Buffer.concat(Array.from({ length: 100 }, () => fixture('one.raw')));
    await client.call('AI.TENSORSET', 'many', 'FLOAT', 100, 1, 28, 28, 'BLOB', hundred);
    assert.equal(message(await client.call('AI.MODELEXECUTE', 'mb', 'INPUTS', 1, 'many', 'OUTPUTS', 1, 'o')),
      'Onnxruntime memory limit exceeded, memory allocation failed.');
    await client.call('AI.TENSORSET', 'single', 'FLOAT', 1, 1, 28, 28, 'BLOB', fixture('one.raw'));
    assert.equal(await client.call('AI.MODELEXECUTE', 'mb', 'INPUTS', 1, 'single', 'OUTPUTS', 1, 'o1'), 'OK');
    assert.equal(argmax(await client.call('AI.TENSORGET', 'o1', 'VALUES')), 1);
    await client.close();
    await proc.stop();
  });
});
