import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { native } from '../native';
import { keyBytes } from '../store/keyName';
import type { ClientInfo } from '../commands/Command';
import type { Engine } from '../engine/Engine';
import type { CommandStats } from '../observe/CommandStats';

/** What the endpoint reads of the server it reports on. */
export interface MetricsSource {
  readonly engine: Engine;
  readonly commandStats: CommandStats;
  clients(): Iterable<ClientInfo>;
}

// Prometheus metrics on their own port (--metrics-port; off by default), `GET /metrics` in the
// text format, made with prom-client. What INFO, AI.INFO and ai_queues report is read when
// Prometheus scrapes; run durations are also observed as they happen, into histograms.

/** Run durations' buckets, in seconds: 10 µs to 10 s. */
const RUN_BUCKETS = [1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function metricsRegistry(server: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stormbreaker_' }); // process_… and nodejs_… (CPU, memory, event-loop lag, GC)
  const { engine } = server;
  const counter = (name: string, help: string, labelNames: string[], fill: (c: Counter) => void) =>
    new Counter({ name, help, labelNames, registers: [registry], collect() { this.reset(); fill(this); } });
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { this.reset(); fill(this); } });

  // Commands, as INFO commandstats / errorstats count them.
  const commands = () => server.commandStats.perCommand();
  counter('stormbreaker_commands_total', 'Commands run, by command', ['command'], (c) => {
    for (const [command, s] of commands()) c.inc({ command }, s.calls);
  });
  counter('stormbreaker_command_errors_total', 'Commands refused before running or failed, by command', ['command'], (c) => {
    for (const [command, s] of commands()) c.inc({ command }, s.rejected + s.failed);
  });
  counter('stormbreaker_command_seconds_total', 'Time spent in commands (a device run counts to its reply), by command', ['command'], (c) => {
    for (const [command, s] of commands()) c.inc({ command }, s.micros / 1e6);
  });
  counter('stormbreaker_error_replies_total', 'Error replies, by their first word (ERR, WRONGTYPE, …)', ['prefix'], (c) => {
    for (const [prefix, n] of server.commandStats.perError()) c.inc({ prefix }, n);
  });

  // Models and scripts, as AI.INFO counts them.
  const runs = (fill: (labels: Record<string, string>, s: { calls: number; errors: number; samples: number; duration: number }) => void) => {
    for (const [name, s] of engine.stats.entries()) fill({ key: keyBytes(name).toString('utf8'), type: s.type, backend: s.backend, device: s.device }, s);
  };
  const runLabels = ['key', 'type', 'backend', 'device'];
  counter('stormbreaker_runs_total', 'Model runs and script calls (AI.INFO calls)', runLabels, (c) => runs((l, s) => c.inc(l, s.calls)));
  counter('stormbreaker_run_errors_total', 'Runs and calls that failed (AI.INFO errors)', runLabels, (c) => runs((l, s) => c.inc(l, s.errors)));
  counter('stormbreaker_run_samples_total', 'Batch rows a model ran (AI.INFO samples)', runLabels, (c) => runs((l, s) => {
    if (s.samples >= 0) c.inc(l, s.samples);
  }));
  const durations = new Histogram({ name: 'stormbreaker_run_seconds', help: 'Backend time of each run (AI.INFO duration, per run)', labelNames: runLabels,
    buckets: RUN_BUCKETS, registers: [registry] });
  engine.stats.onRun = (name, s, micros) => {
    if (micros !== undefined) durations.observe({ key: keyBytes(name).toString('utf8'), type: s.type, backend: s.backend, device: s.device }, micros / 1e6);
  };

  // Device queues, as INFO's ai_queues section reports them.
  const queues = () => native.queueStats();
  gauge('stormbreaker_queue_pending', 'Runs waiting in a device queue', ['device'], (g) => queues().forEach((q) => g.set({ device: q.device }, q.pending)));
  gauge('stormbreaker_queue_running', 'Runs a device queue\'s threads are executing', ['device'], (g) => queues().forEach((q) => g.set({ device: q.device }, q.running)));
  counter('stormbreaker_queue_batches_total', 'Backend calls that merged two or more runs (autobatching)', ['device'], (c) => queues().forEach((q) => c.inc({ device: q.device }, q.batches)));
  counter('stormbreaker_queue_batched_runs_total', 'Runs served by merged calls (÷ batches: the mean batch size)', ['device'], (c) => queues().forEach((q) => c.inc({ device: q.device }, q.batchedRuns)));
  counter('stormbreaker_queue_rejected_total', 'Runs refused because the queue was full (--queue-limit)', ['device'], (c) => queues().forEach((q) => c.inc({ device: q.device }, q.rejected)));

  // Memory held by values, and the keyspace.
  gauge('stormbreaker_value_bytes', 'Bytes of tensor data and of stored model blobs and script sources', ['kind'], (g) => {
    const bytes = { tensor: 0, model: 0, script: 0 };
    for (const name of engine.keyspace.names()) {
      // Looked at, not handed out: a scrape keeps nothing (Keyspace.peek).
      const value = engine.keyspace.peek(name);
      if (value?.kind === 'tensor') bytes.tensor += value.tensor.byteLength;
      else if (value?.kind === 'model') bytes.model += value.model.blob.length;
      else if (value?.kind === 'script') bytes.script += value.script.source.length;
    }
    for (const [kind, n] of Object.entries(bytes)) g.set({ kind }, n);
  });
  gauge('stormbreaker_keys', 'Keys stored', [], (g) => g.set(engine.size));

  // Clients.
  gauge('stormbreaker_connected_clients', 'Clients connected', [], (g) => g.set(Array.from(server.clients()).length));
  gauge('stormbreaker_blocked_clients', 'Clients waiting for a run on a device', [], (g) => g.set(Array.from(server.clients()).filter((c) => c.isBlocked).length));
  return registry;
}

/** Serves `GET /metrics` on `port` (0: any free port) at `bind`; resolves once listening. */
export async function startMetricsEndpoint(server: MetricsSource, port: number, bind: string): Promise<{ port: number; close(): Promise<void> }> {
  const registry = metricsRegistry(server);
  const http_ = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: metrics are at GET /metrics\n');
      return;
    }
    registry.metrics().then((text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    http_.once('error', reject);
    http_.listen(port, bind, () => resolve());
  });
  return {
    port: (http_.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.engine.stats.onRun = undefined;
      http_.close(() => resolve());
      http_.closeAllConnections();
    }),
  };
}
