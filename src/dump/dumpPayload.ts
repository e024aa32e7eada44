// DUMP / RESTORE payloads, as Redis writes them: one RDB-encoded value, then a 2-byte RDB version
// and the CRC-64 of everything before the CRC (little-endian). Reading accepts what Redis 7 and
// RedisAI on Redis 6 or 7 wrote (strings, lists and hashes in every encoding Redis 6 and 7 save,
// and RedisAI's tensors, models and scripts in each encoding version it ever wrote); writing uses
// RDB version 9 and the simplest encodings, which Redis 6 and 7 (with RedisAI) both restore.
import { Buffer } from 'node:buffer';
import type { StoredValue } from '../store/StoredValue';
import { crc64 } from './crc64';
import { listpackEntries, ziplistEntries } from './packedLists';
import { DumpFormatError, RdbReader } from './RdbReader';
import { RdbWriter } from './RdbWriter';
import { decodeRedisAiValue, encodeRedisAiValue, moduleTypeName, REDISAI_TYPES } from './redisaiValues';
import type { RestoredValue } from './RestoredValue';

export type { RestoredValue } from './RestoredValue';


/** A payload whose footer is wrong: Redis's `ERR DUMP payload version or checksum are wrong`. */
export class DumpChecksumError extends Error {}

/** A well-formed payload of a type this server does not store (sets, sorted sets, streams, other modules). */
export class DumpUnsupportedError extends Error {}

/** The newest RDB version a payload may carry (Redis 7.2's). */
const NEWEST_RDB_VERSION = 11;
/** What our payloads say: Redis 6's, so that Redis 6 with RedisAI restores them too. */
const WRITTEN_RDB_VERSION = 9;

const RdbType = {
  string: 0, list: 1, set: 2, zset: 3, hash: 4, zset2: 5, moduleOld: 6, module: 7, hashZipmap: 9, listZiplist: 10,
  setIntset: 11, zsetZiplist: 12, hashZiplist: 13, listQuicklist: 14, streamListpacks: 15, hashListpack: 16,
  zsetListpack: 17, listQuicklist2: 18, streamListpacks2: 19, setListpack: 20, streamListpacks3: 21,
} as const;

const UNSUPPORTED: Record<number, string> = {
  [RdbType.set]: 'a set', [RdbType.setIntset]: 'a set', [RdbType.setListpack]: 'a set',
  [RdbType.zset]: 'a sorted set', [RdbType.zset2]: 'a sorted set', [RdbType.zsetZiplist]: 'a sorted set', [RdbType.zsetListpack]: 'a sorted set',
  [RdbType.streamListpacks]: 'a stream', [RdbType.streamListpacks2]: 'a stream', [RdbType.streamListpacks3]: 'a stream',
};

/** Checks the footer and returns the value's bytes. */
function body(payload: Buffer): Buffer {
  if (payload.length < 10) throw new DumpChecksumError();
  const footer = payload.length - 10;
  const version = payload.readUInt16LE(footer);
  if (version > NEWEST_RDB_VERSION) throw new DumpChecksumError();
  if (crc64(payload.subarray(0, footer + 2)) !== payload.readBigUInt64LE(footer + 2)) throw new DumpChecksumError();
  return payload.subarray(0, footer);
}

function pairs(entries: Buffer[]): Map<string, Buffer> {
  if (entries.length % 2 !== 0) throw new DumpFormatError('a hash with a field and no value');
  const fields = new Map<string, Buffer>();
  for (let i = 0; i < entries.length; i += 2) fields.set(entries[i].toString('latin1'), entries[i + 1]);
  return fields;
}

function plain(value: StoredValue): RestoredValue {
  return { kind: 'value', value };
}

/** The value a DUMP payload holds. Throws DumpChecksumError, DumpFormatError or DumpUnsupportedError. */
export function readDumpPayload(payload: Buffer): RestoredValue {
  const r = new RdbReader(body(payload));
  const type = r.byte();
  let restored: RestoredValue;
  switch (type) {
    case RdbType.string:
      restored = plain({ kind: 'string', bytes: Buffer.from(r.string()) });
      break;
    case RdbType.list: {
      const items: Buffer[] = [];
      for (let n = r.length(); n > 0; n--) items.push(Buffer.from(r.string()));
      restored = plain({ kind: 'list', items });
      break;
    }
    case RdbType.listZiplist:
      restored = plain({ kind: 'list', items: ziplistEntries(r.string()).map((b) => Buffer.from(b)) });
      break;
    case RdbType.listQuicklist:
    case RdbType.listQuicklist2: {
      const items: Buffer[] = [];
      for (let nodes = r.length(); nodes > 0; nodes--) {
        // Quicklist 2 nodes say whether they are one plain element (1) or a listpack (2).
        const container = type === RdbType.listQuicklist2 ? r.length() : 2;
        const node = r.string();
        if (container === 1) items.push(Buffer.from(node));
        else if (container === 2) items.push(...(type === RdbType.listQuicklist2 ? listpackEntries(node) : ziplistEntries(node)).map((b) => Buffer.from(b)));
        else r.fail(`unknown quicklist container ${container}`);
      }
      restored = plain({ kind: 'list', items });
      break;
    }
    case RdbType.hash: {
      const entries: Buffer[] = [];
      for (let n = r.length(); n > 0; n--) entries.push(Buffer.from(r.string()), Buffer.from(r.string()));
      restored = plain({ kind: 'hash', fields: pairs(entries) });
      break;
    }
    case RdbType.hashZiplist:
      restored = plain({ kind: 'hash', fields: pairs(ziplistEntries(r.string()).map((b) => Buffer.from(b))) });
      break;
    case RdbType.hashListpack:
      restored = plain({ kind: 'hash', fields: pairs(listpackEntries(r.string()).map((b) => Buffer.from(b))) });
      break;
    case RdbType.module: {
      const id = r.unsigned64();
      const name = moduleTypeName(id);
      const encver = Number(id & 0x3ffn);
      if (!REDISAI_TYPES.includes(name)) throw new DumpUnsupportedError(`a value of module type ${name}`);
      restored = decodeRedisAiValue(name, encver, r);
      r.moduleEnd();
      break;
    }
    default:
      if (UNSUPPORTED[type] !== undefined) throw new DumpUnsupportedError(UNSUPPORTED[type]);
      return r.fail(`unknown value type ${type}`);
  }
  if (!r.done) r.fail('bytes after the value');
  return restored;
}

/** The DUMP payload of a stored value. */
export function writeDumpPayload(value: StoredValue): Buffer {
  const w = new RdbWriter();
  switch (value.kind) {
    case 'string':
      w.byte(RdbType.string).string(value.bytes);
      break;
    case 'list':
      w.byte(RdbType.list).length(value.items.length);
      for (const item of value.items) w.string(item);
      break;
    case 'hash':
      w.byte(RdbType.hash).length(value.fields.size);
      for (const [field, bytes] of value.fields) w.string(Buffer.from(field, 'latin1')).string(bytes);
      break;
    default:
      w.byte(RdbType.module);
      encodeRedisAiValue(value, w);
      w.moduleEnd();
  }
  const footer = Buffer.alloc(10);
  footer.writeUInt16LE(WRITTEN_RDB_VERSION, 0);
  const head = Buffer.concat([w.toBuffer(), footer.subarray(0, 2)]);
  footer.writeBigUInt64LE(crc64(head), 2);
  return Buffer.concat([head, footer.subarray(2)]);
}
