import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import { splitInlineArgs } from '../resp/splitInlineArgs';
import { parseServerArgs } from './parseServerArgs';

// A config file in redis.conf's syntax (`stormbreaker-server path/to/stormbreaker.conf`): one
// setting per line, `name value…`, `#` comments, values quoted as redis.conf quotes them. Each
// line is the flag of the same name (`port 6380` is `--port 6380`); repeated `save` lines add
// rules, as in redis.conf. Flags given after the file override it, as with redis-server.

/** The flags a config file's text stands for; throws redis-server's fatal-config text naming the line. */
export function configFileFlags(text: string, file: string): string[] {
  const flags: string[] = [];
  const saves: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const fail = (why: string): never => {
      throw new Error(`\n*** FATAL CONFIG FILE ERROR ***\nReading the configuration file ${file}, at line ${index + 1}\n>>> '${line.trim()}'\n${why}`);
    };
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const words = splitInlineArgs(Buffer.from(trimmed, 'utf8'))?.map((w) => w.toString('utf8'));
    if (words === undefined) return fail('Unbalanced quotes in configuration line');
    const [name, ...values] = words;
    const flag = `--${name.toLowerCase()}`;
    if (flag === '--save') {
      saves.push(values.join(' '));
      return;
    }
    if (values.length !== 1) return fail('Bad directive or wrong number of arguments');
    try {
      parseServerArgs([flag, values[0]]); // checked here, so that the error names its line
    } catch (err) {
      fail((err as Error).message.split('\n')[0]);
    }
    flags.push(flag, values[0]);
  });
  // `save ""` (or only empty save lines) turns snapshots off; otherwise every rule counts.
  if (saves.length > 0) flags.push('--save', saves.filter((s) => s.trim() !== '').join(' '));
  return flags;
}

/** argv with a leading config file (a first argument that is not a flag) read into flags. */
export function withConfigFile(argv: readonly string[]): string[] {
  if (argv.length === 0 || argv[0].startsWith('-')) return [...argv];
  const [file, ...rest] = argv;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`Fatal error, can't open config file '${file}': ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (err as Error).message}`);
  }
  return [...configFileFlags(text, file), ...rest];
}
