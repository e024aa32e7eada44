// Redis's latency monitor: with latency-monitor-threshold N ms (0, the default, turns it off),
// each command that took N ms or more is a sample of the `command` event (`fast-command` for
// commands flagged fast). Per event: the last 160 samples, at most one per second (the highest
// of that second), and the highest ever.

const HISTORY = 160;

interface Event {
  samples: Array<{ time: number; ms: number }>;
  max: number;
}

export class LatencyMonitor {
  thresholdMs = 0;
  private readonly events = new Map<string, Event>();

  /** A command's duration; recorded when monitoring is on and it reached the threshold. */
  consider(fast: boolean, micros: number): void {
    if (this.thresholdMs <= 0 || micros < this.thresholdMs * 1000) return;
    this.add(fast ? 'fast-command' : 'command', Math.round(micros / 1000));
  }

  add(name: string, ms: number): void {
    let event = this.events.get(name);
    if (event === undefined) this.events.set(name, (event = { samples: [], max: 0 }));
    const time = Math.floor(Date.now() / 1000);
    const last = event.samples.at(-1);
    if (last !== undefined && last.time === time) last.ms = Math.max(last.ms, ms);
    else event.samples.push({ time, ms });
    if (event.samples.length > HISTORY) event.samples.shift();
    event.max = Math.max(event.max, ms);
  }

  /** LATENCY LATEST: per event its name, the time and ms of its last sample, and its highest. */
  latest(): Array<[string, number, number, number]> {
    return Array.from(this.events, ([name, e]) => {
      const last = e.samples.at(-1)!;
      return [name, last.time, last.ms, e.max];
    });
  }

  history(name: string): Array<[number, number]> {
    return (this.events.get(name)?.samples ?? []).map((s) => [s.time, s.ms]);
  }

  /** Forgets the named events (all of them without names); how many there were. */
  reset(names: readonly string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of new Set(names)) if (this.events.delete(name)) n++;
    return n;
  }

  /** LATENCY DOCTOR's report. */
  doctor(): string {
    if (this.thresholdMs <= 0) {
      return 'I\'m sorry, Dave, I can\'t do that. Latency monitoring is disabled in this Redis instance. You may use "CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space mission I\'d suggest to take a look at https://redis.io/topics/latency-monitor.\n';
    }
    if (this.events.size === 0) {
      return 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better at night.\n';
    }
    const lines = ['Dave, I have observed latency spikes in this Redis instance. You don\'t mind talking about it, do you Dave?', ''];
    let i = 1;
    for (const [name, e] of this.events) {
      const average = e.samples.reduce((a, s) => a + s.ms, 0) / e.samples.length;
      lines.push(`${i++}. ${name}: ${e.samples.length} latency spikes (average ${Math.round(average)}ms). Worst all time event ${e.max}ms.`);
    }
    lines.push('', 'Slow commands here are most often model runs and script calls: see SLOWLOG GET and AI.INFO for which, and INFO\'s ai_queues for how long runs wait.');
    return `${lines.join('\n')}\n`;
  }
}
