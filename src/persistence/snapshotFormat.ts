// The snapshot file (ours, not Redis' RDB): a header, one record per key, an end marker and a
// CRC-32 of everything before it. Every integer is little-endian. Lengths are u64 so that a
// tensor or model blob of any size is one record; big payloads are written and read in slices.
//
//   header   "STORMBRK" (8 bytes) · u32 format version · f64 save time (ms since the epoch)
//   record   u8 kind · str key · kind's payload
//   end      u8 0xff · u32 CRC-32 of every byte before this field
//   str      u64 byte length · bytes
//
// Payloads (version 1):
//   tensor   str dtype name · u32 ndim · ndim × f64 dims · str data (the BLOB layout)
//   string   str bytes
//   list     u32 count · count × str
//   hash     u32 count · count × (str field · str value)
//   model    str backend · str device · str tag · f64 batchsize · f64 minbatchsize ·
//            f64 minbatchtimeout · u32 n · n × str input · u32 n · n × str output · str blob
//   script   str device · str tag · u32 n · n × str entry point · str source
//
// Version 2 adds one record kind, written right after the record of a key that has an expiry:
//   expiry   str key · f64 Unix time in ms when it expires
//
// A new version gets its own reader (snapshotReaders.ts); old files keep loading.

import { Buffer } from 'node:buffer';
export const SNAPSHOT_MAGIC = Buffer.from('STORMBRK', 'latin1');
export const SNAPSHOT_VERSION = 2;
export const HEADER_BYTES = 8 + 4 + 8;

export const RecordKind = {
  tensor: 1,
  string: 2,
  list: 3,
  hash: 4,
  model: 5,
  script: 6,
  expiry: 7,
  end: 0xff,
} as const;
