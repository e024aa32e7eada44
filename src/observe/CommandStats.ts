// INFO commandstats and errorstats, and the error counters of INFO stats, as Redis keeps them:
// per command its calls, µs and calls that were refused before running or failed; per error
// prefix (the first word of the message: ERR, WRONGTYPE, …) how many were replied.

/** Distinct error prefixes kept (Redis keeps 128). */
const MAX_ERROR_PREFIXES = 128;

interface PerCommand {
  calls: number;
  micros: number;
  rejected: number;
  failed: number;
}

export class CommandStats {
  private readonly commands = new Map<string, PerCommand>();
  private readonly errors = new Map<string, number>();
  totalErrorReplies = 0;

  /**
   * A command that ran; `error` is its error reply's text, if it replied one (`errorCounted`: that
   * error is already in errorstats, from the command a script called that made it).
   */
  ran(name: string, micros: number, error: string | undefined, errorCounted = false): void {
    const entry = this.entry(name);
    entry.calls++;
    entry.micros += micros;
    if (error !== undefined) {
      entry.failed++;
      if (!errorCounted) this.error(error);
    }
  }

  /** A request refused before running (`name` is undefined for an unknown command). */
  rejected(name: string | undefined, error: string): void {
    if (name !== undefined) this.entry(name).rejected++;
    this.error(error);
  }

  reset(): void {
    this.commands.clear();
    this.errors.clear();
    this.totalErrorReplies = 0;
  }

  /** Every command's counts, by name (the metrics endpoint). */
  perCommand(): IterableIterator<[string, Readonly<PerCommand>]> {
    return this.commands.entries();
  }

  /** Error replies by prefix. */
  perError(): IterableIterator<[string, number]> {
    return this.errors.entries();
  }

  /** INFO commandstats lines' fields, Redis's names and formats. */
  commandLines(): Array<[string, string]> {
    return Array.from(this.commands, ([name, c]) => [`cmdstat_${name}`,
      `calls=${c.calls},usec=${c.micros},usec_per_call=${(c.calls > 0 ? c.micros / c.calls : 0).toFixed(2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`]);
  }

  errorLines(): Array<[string, string]> {
    return Array.from(this.errors, ([prefix, count]) => [`errorstat_${prefix}`, `count=${count}`]);
  }

  private entry(name: string): PerCommand {
    let entry = this.commands.get(name);
    if (entry === undefined) this.commands.set(name, (entry = { calls: 0, micros: 0, rejected: 0, failed: 0 }));
    return entry;
  }

  private error(message: string): void {
    this.totalErrorReplies++;
    const space = message.indexOf(' ');
    let prefix = space < 0 ? message : message.slice(0, space);
    // Backends' messages start with words of their own: the table stays bounded, as Redis's does.
    if (!this.errors.has(prefix) && this.errors.size >= MAX_ERROR_PREFIXES) prefix = 'ERRORSTATS_OVERFLOW';
    this.errors.set(prefix, (this.errors.get(prefix) ?? 0) + 1);
  }
}
