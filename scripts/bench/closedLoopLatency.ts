// Throughput and per-request latency together, from many connections in a closed loop: each
// connection sends its own command, waits for the reply, notes the round trip and sends again.
// loadClient.ts measures throughput with one shared command and times nothing; latencyClient.ts
// times one connection. Autobatching (target B1) needs both at once, from many connections that
// each name their own tensors, because what batching trades is throughput for per-request latency.
import { LatencyClient } from './latencyClient';

export interface ClosedLoopResult {
  /** Replies received in the window. */
  ops: number;
  seconds: number;
  opsPerSecond: number;
  /** Every round trip of the window, µs, all connections together. */
  latencies: number[];
  /** This process's CPU over the window, % of one core: the client shares the cores with the server. */
  clientCpu: number;
}

/**
 * Runs `clients[i]` on `commands[i]` back to back until `durationMs` is over; each connection stops
 * after its first reply past the deadline, and ops / seconds over the span to the last reply is
 * exact for a closed loop (as in loadClient.ts).
 */
export async function runClosedLoop(clients: readonly LatencyClient[], commands: readonly Buffer[], durationMs: number): Promise<ClosedLoopResult> {
  if (clients.length !== commands.length) throw new Error('runClosedLoop: one command per client');
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + durationMs;
  const ends = await Promise.all(clients.map(async (client, i) => {
    for (;;) {
      latencies.push(await client.roundTrip(commands[i]));
      const now = performance.now();
      if (now >= deadline) return now;
    }
  }));
  const seconds = (Math.max(...ends) - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { ops: latencies.length, seconds, opsPerSecond: latencies.length / seconds, latencies, clientCpu: (cpu.user + cpu.system) / 1e4 / seconds };
}
