// Reply values, independent of protocol version. Plain JS values cover the common cases:
// number/bigint → integer, string → bulk (UTF-8), Uint8Array → bulk, null → null, array → array.

/** `+text`: status replies such as OK, PONG, TIMEDOUT, NA. */
export class SimpleString {
  constructor(readonly value: string) {}
}

/**
 * `-text`: the text is sent as is (it carries its own ERR/WRONGTYPE/… prefix). `countedAlready`:
 * the command that made it was counted in errorstats already (a Lua script's error raised by a
 * command it called), so the script's own reply counts as a failed call only, as in Redis.
 */
export class ErrorReply {
  constructor(readonly message: string, readonly countedAlready = false) {}
}

/** A floating value already formatted (`%.17g`): a bulk string on RESP2, a `,` double on RESP3. */
export class DoubleReply {
  constructor(readonly text: string) {}
}

/**
 * The elements of a FLOAT or DOUBLE tensor, as an array of formatted values (each `%.17g`, as
 * DoubleReply), encoded straight from the tensor's bytes (`bytes`, any alignment) when written:
 * a VALUES reply makes no string or reply object per element.
 */
export class FloatsReply {
  constructor(readonly bytes: Uint8Array, readonly isDouble: boolean) {}
}

/** A map on RESP3, a flat array of key, value, … on RESP2. */
export class MapReply {
  constructor(readonly entries: ReadonlyArray<readonly [Reply, Reply]>) {}
}

/** Text (INFO, CLIENT LIST): a verbatim string on RESP3, a bulk string on RESP2. */
export class VerbatimReply {
  constructor(readonly text: string) {}
}

/** A null array (RESP2 `*-1`, RESP3 `_`): EXEC's reply when a WATCHed key changed. */
export class NullArray {}

export type Reply =
  | null
  | NullArray
  | number
  | bigint
  | string
  | Uint8Array
  | SimpleString
  | ErrorReply
  | DoubleReply
  | FloatsReply
  | MapReply
  | VerbatimReply
  | readonly Reply[];

export const OK = new SimpleString('OK');
export const NULL_ARRAY = new NullArray();
