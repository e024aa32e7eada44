/**
 * The one error type of Stormbreaker. `message` is exactly the text a RESP client would see after
 * the leading `-` (for example `ERR invalid data type`), and `code` is its first word (`ERR`,
 * `WRONGTYPE`, …), as Redis clients report it.
 *
 * @example
 * try { engine.getTensor('missing'); } catch (e) { if (e instanceof StormbreakerError) console.log(e.code); }
 */
export class StormbreakerError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = 'StormbreakerError';
    const space = message.indexOf(' ');
    this.code = space > 0 ? message.slice(0, space) : message;
  }
}

/** The errors that are shared by many commands, worded exactly as Redis and RedisAI send them. */
export const Errors = {
  wrongType: 'WRONGTYPE Operation against a key holding the wrong kind of value',
  syntax: 'ERR syntax error',
  notInteger: 'ERR value is not an integer or out of range',
  noSuchKey: 'ERR no such key',
  tensorKeyEmpty: 'ERR tensor key is empty or in a different shard',
  wrongArity: (name: string) => `ERR wrong number of arguments for '${name}' command`,
} as const;

/** Tensor errors of spec §14, verbatim. */
export const TensorErrors = {
  invalidDType: 'ERR invalid data type',
  invalidShape: 'ERR invalid or negative value found in tensor shape',
  blobArgument: "ERR a single binary string should come after the BLOB argument in 'AI.TENSORSET' command",
  valueCount: "ERR wrong number of values was given in 'AI.TENSORSET' command",
  invalidValue: 'ERR invalid value',
  nullInString: 'ERR C-string value contains null character',
  dataLength: 'ERR data length does not match tensor shape and type',
  stringCount: 'ERR Number of string elements in data blob does not match tensor length',
  boolBlob: 'ERR BOOL tensor elements must be 0 or 1',
  unsupportedFormat: 'ERR unsupported data format',
  blobAndValues: 'ERR both BLOB and VALUES specified',
} as const;
