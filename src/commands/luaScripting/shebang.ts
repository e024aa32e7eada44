import { Buffer } from 'node:buffer';
import { ErrorReply } from '../../resp/Reply';

// Redis 7's script shebang: `#!lua [flags=no-writes,allow-oom,…]` on the first line. The line
// itself is blanked (not removed) so that error messages keep the script's line numbers.

const KNOWN_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

export interface ScriptFlags {
  /** The Lua source to compile. */
  readonly source: Buffer;
  /** `flags=no-writes`: the script may only read. */
  readonly readOnly: boolean;
  /** `flags=allow-oom`: maxmemory does not refuse its commands. */
  readonly allowOom: boolean;
  /** It has a shebang (Redis 7's mode for them: refused at the start past maxmemory unless no-writes or allow-oom). */
  readonly shebang: boolean;
}

export function parseShebang(body: Buffer): ScriptFlags | ErrorReply {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return { source: body, readOnly: false, allowOom: false, shebang: false };
  const end = body.indexOf(0x0a);
  if (end < 0) return new ErrorReply('ERR Invalid script shebang');
  // Split on any white space, as Redis does: a CRLF file's "#!lua\r" is still "#!lua".
  const [engine, ...options] = body.subarray(0, end).toString('latin1').split(/[ \t\r\v\f]+/).filter((part) => part !== '');
  if (engine !== '#!lua') return new ErrorReply(`ERR Unexpected engine in script shebang: ${engine}`);
  let readOnly = false;
  let allowOom = false;
  for (const option of options) {
    if (!option.startsWith('flags=')) return new ErrorReply(`ERR Unknown lua shebang option: ${option}`);
    for (const flag of option.slice('flags='.length).split(',')) {
      if (flag === '') continue;
      if (!KNOWN_FLAGS.has(flag)) return new ErrorReply(`ERR Unexpected flag in script shebang: ${flag}`);
      if (flag === 'no-writes') readOnly = true;
      if (flag === 'allow-oom') allowOom = true;
    }
  }
  return { source: body.subarray(end), readOnly, allowOom, shebang: true };
}
