/**
 * The one error type of Stormbreaker. `message` is exactly the text a RESP client would see after
 * the leading `-` (for example `ERR invalid data type`). `code` is a stable value to branch on:
 * the Redis error code the message starts with (`ERR`, `WRONGTYPE`, `TIMEDOUT`, `NOAUTH`, …: an
 * upper-case first word), and `ERR` for the messages RedisAI and the backends send without one
 * (`Number of keys given as INPUTS here does not match model definition`, `Invalid GraphDef`).
 *
 * @example
 * try { engine.getTensor('missing'); } catch (e) { if (e instanceof StormbreakerError && e.code === 'WRONGTYPE') … }
 */
export class StormbreakerError extends Error {
  readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = 'StormbreakerError';
    this.code = /^([A-Z][A-Z_]*)(?: |$)/.exec(message)?.[1] ?? 'ERR';
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
  /**
   * A module command's wrong-arity error: RedisModule_WrongArity echoes the command's name as the
   * client typed it (spec §0; RedisAI's own tests send and expect `AI.TENSORSET`), where Redis 7's
   * own commands name their registered lower-case name (wrongArity).
   */
  wrongArityAsTyped: (args: readonly Buffer[]) => Errors.wrongArity(args[0].toString('latin1')),
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
