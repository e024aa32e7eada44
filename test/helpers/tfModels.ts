// TensorFlow and TFLite models made at test time with TensorFlow's own Python package (from the
// tensorflow-cpu wheel, installed by get_deps.sh --with-test-tools into deps/python-tf). Importing
// TensorFlow takes seconds, so one Python run writes them all, once per test process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { ROOT, toolEnv } from './servers';

const SCRIPT = `
import sys, tensorflow as tf
out = sys.argv[1]
def frozen(name, build):
    g = tf.Graph()
    with g.as_default():
        build()
    open(f'{out}/{name}', 'wb').write(g.as_graph_def().SerializeToString())

def string_identity():
    x = tf.compat.v1.placeholder(tf.string, shape=[None, 2], name='x')
    tf.identity(x, name='y')
frozen('string_identity.pb', string_identity)

def batch_shapes():
    x = tf.compat.v1.placeholder(tf.float32, shape=[None, 2], name='x')
    tf.multiply(x, 2.0, name='double')
    tf.reduce_sum(x, name='total')
    tf.reduce_sum(x, axis=0, keepdims=True, name='folded')
frozen('batch_shapes.pb', batch_shapes)

def read_file():
    path = tf.compat.v1.placeholder(tf.string, shape=[], name='path')
    tf.io.read_file(path, name='contents')
frozen('read_file.pb', read_file)

@tf.function
def write_hidden(path, data):
    tf.io.write_file(path, data)
    return data
def write_in_function():
    path = tf.compat.v1.placeholder(tf.string, shape=[], name='path')
    data = tf.compat.v1.placeholder(tf.string, shape=[], name='data')
    tf.identity(write_hidden(path, data), name='written')
frozen('write_in_function.pb', write_in_function)

model = tf.keras.Sequential([tf.keras.Input(shape=(4,)),
    tf.keras.layers.Dense(2, kernel_initializer='ones', bias_initializer=tf.keras.initializers.Constant([0.0, 1.0]))])
open(f'{out}/sum.tflite', 'wb').write(tf.lite.TFLiteConverter.from_keras_model(model).convert())
`;

let made: Promise<string> | undefined;

function makeAll(): Promise<string> {
  made ??= new Promise((resolve, reject) => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-tf-models-'));
    const child = spawn('/usr/bin/python3', ['-c', SCRIPT, folder], {
      env: toolEnv({ PYTHONPATH: path.join(ROOT, 'deps', 'python-tf'), TF_CPP_MIN_LOG_LEVEL: '3' }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(folder) : reject(new Error(`making TF test models failed: ${stderr.slice(-2000)}`))));
  });
  return made;
}

const model = async (name: string) => fs.readFileSync(path.join(await makeAll(), name));

/** A frozen TF graph: `y = Identity(x)` over STRING [N, 2] (placeholder `x`, output `y`). */
export const tfStringIdentityGraph = () => model('string_identity.pb');

/**
 * A frozen TF graph over x FLOAT [N, 2]: `double` = x * 2 (keeps the batch), `total` = sum of
 * everything (a scalar), `folded` = column sums [1, 2] (loses the batch).
 */
export const tfBatchShapesGraph = () => model('batch_shapes.pb');

/** A frozen TF graph that reads a file: `contents` = ReadFile(`path`), STRING scalars. */
export const tfReadFileGraph = () => model('read_file.pb');

/** A frozen TF graph whose WriteFile op sits in a function of its library, called from `written`. */
export const tfWriteInFunctionGraph = () => model('write_in_function.pb');

/** A TFLite model converted from Keras: x FLOAT [N, 4] → [N, 2], each row [sum(x), sum(x) + 1]. */
export const tfliteSumModel = () => model('sum.tflite');
