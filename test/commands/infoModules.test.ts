import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from '@jest/globals';
import { RawClient } from '../helpers/RawClient';
import { startServerProcess } from '../helpers/servers';
import { fixture } from '../helpers/fixtures';

/** What RedisAI's test helper does: split INFO MODULES on '#', read `field:value` lines per chunk. */
function chunks(text: string): Array<Record<string, string>> {
  return text.split('#').map((chunk) => Object.fromEntries(
    chunk.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  ));
}

describe('INFO MODULES (spec §12)', () => {
  it('has RedisAI\'s sections in order, and a backend\'s version only once it is loaded', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    const before = chunks(String(await c.call('INFO', 'MODULES')));
    assert.deepEqual(Object.keys(before[2]), ['ai_RedisAI_version', 'ai_low_level_API_version', 'ai_rdb_version']);
    assert.deepEqual(Object.keys(before[3]), ['ai_git_sha']);
    assert.deepEqual(Object.keys(before[4]), ['ai_threads_per_queue', 'ai_inter_op_parallelism', 'ai_intra_op_parallelism',
      'ai_model_execution_timeout', 'ai_backend_memory_limit']);
    assert.equal(before[4].ai_threads_per_queue, '1');
    assert.deepEqual(before[5], {}, 'no backend loaded yet');
    assert.match(before[6].ai_main_thread_used_cpu_user, /^\d+\.\d{6}$/);
    // The CPU queue exists from start-up, as in RedisAI: its thread is reported before any run.
    assert.match(before[6].ai_queue_CPU_bthread_n1_used_cpu_total, /^\d+\.\d{6}$/);
    assert.match(String(await c.call('INFO', 'memory')), /\r\nmem_allocator:libc\r\n/);
    // AI.CONFIG LOADBACKEND loads it explicitly (a relative path is taken under BACKENDSPATH).
    assert.equal(await c.call('AI.CONFIG', 'LOADBACKEND', 'TORCH', 'libstormbreaker_torch.so'), 'OK');
    assert.deepEqual(chunks(String(await c.call('INFO', 'MODULES')))[5], { ai_Torch_version: 'NA' });
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    const after = chunks(String(await c.call('INFO', 'MODULES')));
    assert.deepEqual(after[5], { ai_Torch_version: 'NA' });
    assert.match(after[6].ai_queue_CPU_bthread_n1_used_cpu_total, /^\d+\.\d{6}$/);
    // RedisAI's field says NA (its clients read that); our own last section has libtorch's version.
    assert.deepEqual(after[after.length - 1], { ai_library_TORCH_version: after[after.length - 1].ai_library_TORCH_version });
    assert.match(after[after.length - 1].ai_library_TORCH_version, /^1\.13\.\d+$/);
    assert.ok(!String(await c.call('INFO')).includes('ai_versions'), 'plain INFO leaves module sections out');
    await c.close();
    await stop();
  });

  it('MODULE LIST shows the ai module clients probe for; MODULE LOAD/UNLOAD are refused with Redis 7\'s text', async () => {
    const { port, stop } = await startServerProcess();
    const c = await RawClient.connect(port);
    const [entry] = (await c.call('MODULE', 'LIST')) as unknown[][];
    assert.deepEqual([entry[0], entry[1], entry[2], entry[3], entry[4], entry[6], entry[7]], ['name', 'ai', 'ver', 999999, 'path', 'args', []]);
    assert.match(String(entry[5]), /stormbreaker\.node$/);
    const refused = 'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, ' +
      'otherwise you need to set this option in the configuration file, and then restart the server.';
    for (const sub of [['LOAD', '/tmp/evil.so'], ['UNLOAD', 'ai']]) assert.equal(((await c.call('MODULE', ...sub)) as Error).message, refused);
    assert.equal(((await c.call('MODULE', 'FOO')) as Error).message, "ERR unknown subcommand 'FOO'. Try MODULE HELP.");
    assert.equal(((await c.call('MODULE')) as Error).message, "ERR wrong number of arguments for 'module' command");
    await c.close();
    await stop();
  });
});
