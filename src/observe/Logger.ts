// Log lines in redis-server's format (`pid:M 25 Nov 2026 06:33:23.123 * text`), filtered by level.

export type LogLevel = 'debug' | 'verbose' | 'notice' | 'warning' | 'nothing';
const ORDER: Record<LogLevel, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK: Record<LogLevel, string> = { debug: '.', verbose: '-', notice: '*', warning: '#', nothing: '' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  constructor(public level: LogLevel = 'notice', private readonly sink: (line: string) => void = (l) => process.stdout.write(l)) {}

  static isLevel(text: string): text is LogLevel {
    return text in ORDER;
  }

  log(level: LogLevel, message: string): void {
    if (ORDER[level] < ORDER[this.level] || level === 'nothing') return;
    const d = new Date();
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const stamp = `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    this.sink(`${process.pid}:M ${stamp} ${MARK[level]} ${message}\n`);
  }

  debug(m: string): void { this.log('debug', m); }
  verbose(m: string): void { this.log('verbose', m); }
  notice(m: string): void { this.log('notice', m); }
  warning(m: string): void { this.log('warning', m); }
}
