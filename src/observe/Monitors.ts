/** What a feed needs of a client: where it is, and a way to send it a line. */
export interface MonitorClient {
  readonly address: string;
  push(line: string): void;
}

// MONITOR: every command any client runs, as one status line per command to each monitoring
// client, in Redis's format: `+1339518083.107412 [0 127.0.0.1:60866] "keys" "*"`. As in Redis,
// admin commands (CONFIG, DEBUG, SAVE, SHUTDOWN, SLOWLOG, …) are not shown and AUTH's and
// HELLO's arguments are redacted.

/** Redis's sdscatrepr: a quoted string, `\\` `"` and control characters escaped, other bytes outside ASCII as \xHH. */
export function quoteArgument(arg: Buffer): string {
  let out = '"';
  for (const c of arg) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${c.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** Whether argument `i` is a password or user name Redis leaves out: all of AUTH's, the two after HELLO's AUTH. */
function redacted(name: string, args: readonly Buffer[], i: number): boolean {
  if (name === 'auth') return i > 0;
  if (name !== 'hello') return false;
  const at = args.findIndex((a, j) => j > 0 && a.toString('latin1').toLowerCase() === 'auth');
  return at > 0 && (i === at + 1 || i === at + 2);
}

export class Monitors {
  private readonly clients = new Set<MonitorClient>();

  add(client: MonitorClient): void {
    this.clients.add(client);
  }

  delete(client: MonitorClient): void {
    this.clients.delete(client);
  }

  get active(): boolean {
    return this.clients.size > 0;
  }

  /** Tells every monitoring client of a command `from` is about to run (`name`: its lower-case name). */
  feed(from: MonitorClient, name: string, args: readonly Buffer[]): void {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000); // µs since the epoch
    const seconds = Math.floor(now / 1e6);
    const micros = String(now % 1e6).padStart(6, '0');
    const quoted = args.map((arg, i) => (redacted(name, args, i) ? '"(redacted)"' : quoteArgument(arg)));
    const line = `${seconds}.${micros} [0 ${from.address === '' ? 'lua' : from.address}] ${quoted.join(' ')}`;
    for (const monitor of this.clients) monitor.push(line);
  }
}
