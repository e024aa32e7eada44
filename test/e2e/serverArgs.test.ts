import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { parseServerArgs } from '../../src/server/parseServerArgs';
import { RawClient } from '../helpers/RawClient';
import { run, SERVER_BIN, startServerProcess } from '../helpers/servers';

describe('stormbreaker-server flags', () => {
  it('reads redis-server style flags and RedisAI\'s start-up settings', () => {
    const o = parseServerArgs(['--port', '7000', '--bind', '0.0.0.0', '--requirepass', 'pw', '--maxclients', '5',
      '--proto-max-bulk-len', '1mb', '--threads-per-queue', '2', '--intra-op-parallelism', '1', '--inter-op-parallelism', '3', '--queue-limit', '50']);
    assert.deepEqual(o, {
      port: 7000, bind: '0.0.0.0', requirepass: 'pw', maxclients: 5, protoMaxBulkLen: 1048576,
      ai: { threadsPerQueue: 2, intraOpParallelism: 1, interOpParallelism: 3, queueLimit: 50 },
    });
    assert.throws(() => parseServerArgs(['--threads-per-queue', '0']), /--threads-per-queue needs a positive integer, got '0'/);
    assert.throws(() => parseServerArgs(['--queue-limit', '0']), /--queue-limit needs a positive integer, got '0'/);
    assert.throws(() => parseServerArgs(['--nope', '1']), /Unknown option '--nope'/);
    assert.equal(parseServerArgs(['--metrics-port', '9121']).metricsPort, 9121);
    assert.equal(parseServerArgs([]).metricsPort, undefined, 'the metrics endpoint is off by default');
    assert.deepEqual(parseServerArgs(['--dir', '/data', '--dbfilename', 'm.sbdb', '--save', '900 1 300 10', '--appendonly', 'yes',
      '--appendfsync', 'always', '--appendfilename', 'log.aof', '--auto-aof-rewrite-percentage', '50', '--auto-aof-rewrite-min-size', '1mb']), {
      persistence: {
        dir: '/data', dbfilename: 'm.sbdb', save: [{ seconds: 900, changes: 1 }, { seconds: 300, changes: 10 }], appendonly: true,
        appendfsync: 'always', appendfilename: 'log.aof', autoAofRewritePercentage: 50, autoAofRewriteMinSize: 1048576,
      },
    });
    assert.deepEqual(parseServerArgs(['--save', '']), { persistence: { save: [] } });
    assert.throws(() => parseServerArgs(['--save', '900']), /--save needs pairs of "<seconds> <changes>", got '900'/);
    assert.throws(() => parseServerArgs(['--appendfsync', 'sometimes']), /--appendfsync must be always, everysec or no/);
    assert.throws(() => parseServerArgs(['--dbfilename', '../x']), /--dbfilename takes a file name, not a path/);
    assert.throws(() => parseServerArgs(['--port']), /Bad argument '--port'/);
    assert.equal(parseServerArgs(['--busy-poll-us', '0']).busyPollMicros, 0, 'busy polling can be turned off');
    assert.equal(parseServerArgs(['--busy-poll-us', '250']).busyPollMicros, 250);
    assert.equal(parseServerArgs([]).busyPollMicros, undefined, 'the server\'s default (100 µs) applies');
    assert.throws(() => parseServerArgs(['--busy-poll-us', '20000']), /--busy-poll-us needs 0 to 10000 \(µs\), got '20000'/);
    assert.throws(() => parseServerArgs(['--busy-poll-us', 'fast']), /--busy-poll-us needs a non-negative integer, got 'fast'/);
  });

  it('answers --version and -v as redis-server does, and reads the safety switches', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await run(process.execPath, [SERVER_BIN, flag]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^Stormbreaker server v=0\.1\.0 redis_version=7\.0\.15 \(RedisAI commands\) node=\d+\.\d+\.\d+\n$/);
    }
    assert.deepEqual(parseServerArgs(['--enable-loadbackend-any-path', 'yes', '--enable-tf-io-ops', 'yes', '--enable-torchscript-file-ops', 'no',
      '--client-query-buffer-total-limit', '64mb']), {
      ai: { enableLoadbackendAnyPath: true, enableTfIoOps: true, enableTorchscriptFileOps: false }, clientQueryBufferTotalLimit: 64 * 1024 * 1024,
    });
    assert.throws(() => parseServerArgs(['--enable-tf-io-ops', 'maybe']), { message: "--enable-tf-io-ops must be yes or no, got 'maybe'" });
  });

  it('reads a config file in redis.conf\'s syntax first, flags after it overriding it, and names a bad line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-conf-'));
    const conf = path.join(dir, 'stormbreaker.conf');
    fs.writeFileSync(conf, [
      '# a comment, then settings as redis.conf writes them', '', 'port 1', 'maxclients 7', 'requirepass "p w"',
      'save 900 1', 'save 300 10', `dir ${dir}`, 'loglevel notice', 'threads-per-queue 2',
    ].join('\n'));
    const { port } = await startServerProcess([], conf); // its --port comes after the file's port 1
    const c = await RawClient.connect(port);
    assert.equal(String(await c.call('AUTH', 'p w')), 'OK');
    assert.equal(String(await c.call('CONFIG', 'GET', 'maxclients')), 'maxclients,7');
    assert.deepEqual(String(await c.call('CONFIG', 'GET', 'save')), 'save,900 1 300 10');
    assert.deepEqual(String(await c.call('CONFIG', 'GET', 'dir')), `dir,${fs.realpathSync(dir)}`);
    await c.close();
    fs.writeFileSync(conf, 'port 6390\nnosuchsetting yes\n');
    const bad = await run(process.execPath, [SERVER_BIN, conf]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /\*\*\* FATAL CONFIG FILE ERROR \*\*\*\nReading the configuration file .*stormbreaker\.conf, at line 2\n>>> 'nosuchsetting yes'\nUnknown option '--nosuchsetting'/);
    fs.writeFileSync(conf, 'port 70000\n');
    assert.match((await run(process.execPath, [SERVER_BIN, conf])).stderr, /at line 1\n>>> 'port 70000'\n--port argument must be between 0 and 65535 inclusive, got '70000'/);
    assert.match((await run(process.execPath, [SERVER_BIN, path.join(dir, 'missing.conf')])).stderr, /Fatal error, can't open config file '.*missing\.conf': No such file or directory/);
    const help = await run(process.execPath, [SERVER_BIN, '--help']);
    assert.match(help.stdout, /--maxclients <n> +clients connected at once \(10000\)/);
    assert.match(help.stdout, /--metrics-port <port> +serve Prometheus metrics at GET \/metrics on this port \(off\)/);
  });

  it('loads the backends --load-backends names while starting, before it accepts clients, and names a bad one', async () => {
    const { port, stop, output } = await startServerProcess(['--load-backends', 'TORCH,ONNX', '--maxmemory', '4gb']);
    const log = output();
    assert.ok(log.indexOf('Backend TORCH loaded at start-up') >= 0 && log.indexOf('Backend TORCH loaded at start-up') < log.indexOf('Ready to accept connections'), log);
    const c = await RawClient.connect(port);
    const text = String(await c.call('INFO', 'MODULES'));
    assert.match(text, /\r\nai_Torch_version:NA\r\n/, 'loaded with no model stored yet');
    assert.match(text, /\r\nai_onnxruntime_version:1\.\d+/);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', String(4 * 1024 ** 3)]);
    await c.close();
    await stop();
    const bad = await run(process.execPath, [SERVER_BIN, '--load-backends', 'TORCH,CAFFE']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--load-backends takes TF, TFLITE, TORCH and ONNX \(comma-separated\) or all, got 'CAFFE'/);
    assert.match((await run(process.execPath, [SERVER_BIN, '--maxmemory-policy', 'allkeys-lru'])).stderr, /only noeviction is available/);
  });

  it('runs with THREADS_PER_QUEUE 2 and reports it', async () => {
    const { port, stop } = await startServerProcess(['--threads-per-queue', '2', '--intra-op-parallelism', '1']);
    const c = await RawClient.connect(port);
    const text = String(await c.call('INFO', 'MODULES'));
    assert.match(text, /\r\nai_threads_per_queue:2\r\n/);
    assert.match(text, /\r\nai_intra_op_parallelism:1\r\n/);
    await c.close();
    await stop();
  });
});
