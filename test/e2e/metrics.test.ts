// The Prometheus endpoint: scraped with a real HTTP client (Node's fetch) and read with a
// Prometheus text-format parser from npm, so a malformed exposition fails here.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheusTextFormat: (text: string) => Family[] = require('parse-prometheus-text-format');
import { RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';
import { fixture } from '../helpers/fixtures';

interface Family {
  name: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}

/** The sample of `name` whose labels include `labels`. */
function sample(families: Family[], name: string, labels: Record<string, string> = {}) {
  const family = families.find((f) => f.name === name);
  assert.ok(family !== undefined, `${name} is exposed`);
  const found = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  assert.ok(found !== undefined, `${name} ${JSON.stringify(labels)} is exposed`);
  return found;
}

describe('metrics endpoint (--metrics-port)', () => {
  it('is off unless asked for', async () => {
    const { server } = await startServer();
    assert.equal(server.metricsListeningPort, undefined);
  });

  it('exposes commands, errors, runs with their durations, queues, memory and clients as AI.INFO and INFO count them', async () => {
    const { server, port } = await startServer({ metricsPort: 0 });
    const c = await RawClient.connect(port);
    closeAfterFile(() => c.close());
    assert.equal(String(await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'))), 'OK');
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 1, 2, 3, 4);
    for (let i = 0; i < 3; i++) await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c');
    await c.call('AI.TENSORGET', 'nope');
    await c.call('GET');

    const url = `http://127.0.0.1:${server.metricsListeningPort}/metrics`;
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);

    assert.equal(sample(families, 'stormbreaker_commands_total', { command: 'ai.modelexecute' }).value, '3');
    assert.equal(sample(families, 'stormbreaker_command_errors_total', { command: 'ai.tensorget' }).value, '1');
    assert.equal(sample(families, 'stormbreaker_command_errors_total', { command: 'get' }).value, '1', 'a refused call counts');
    assert.equal(sample(families, 'stormbreaker_error_replies_total', { prefix: 'ERR' }).value, '2');
    const model = { key: 'm', type: 'MODEL', backend: 'TORCH', device: 'CPU' };
    assert.equal(sample(families, 'stormbreaker_runs_total', model).value, '3');
    assert.equal(sample(families, 'stormbreaker_run_samples_total', model).value, '6', 'two rows per run');
    assert.equal(sample(families, 'stormbreaker_run_errors_total', model).value, '0');
    // The parser keeps a histogram's buckets but not its labels: there is one series here (model m).
    const histogram = families.find((f) => f.name === 'stormbreaker_run_seconds');
    assert.equal(histogram?.type, 'HISTOGRAM');
    assert.equal(histogram?.metrics.length, 1);
    assert.equal(histogram?.metrics[0].buckets?.['+Inf'], '3');
    assert.match(text, /\nstormbreaker_run_seconds_count\{key="m",type="MODEL",backend="TORCH",device="CPU"\} 3\n/);
    assert.ok(Number(sample(families, 'stormbreaker_queue_pending', { device: 'CPU' }).value) >= 0);
    assert.ok(sample(families, 'stormbreaker_queue_batches_total', { device: 'CPU' }) !== undefined);
    assert.equal(sample(families, 'stormbreaker_value_bytes', { kind: 'tensor' }).value, '32', 'a and c, 16 bytes each');
    assert.ok(Number(sample(families, 'stormbreaker_value_bytes', { kind: 'model' }).value) === fixture('pt-minimal.pt').length);
    assert.equal(sample(families, 'stormbreaker_connected_clients').value, '1');
    assert.equal(sample(families, 'stormbreaker_blocked_clients').value, '0');
    assert.equal(sample(families, 'stormbreaker_keys').value, '3');
    assert.ok(families.some((f) => f.name === 'stormbreaker_process_cpu_seconds_total'), 'process metrics too');
    assert.equal((await fetch(`http://127.0.0.1:${server.metricsListeningPort}/other`)).status, 404);
  });
});
