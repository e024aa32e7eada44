// What the append-only log holds for a write: the command that, replayed, leaves the key as the
// write left it. Every write is logged by its effect (spec §13 logs execution commands this way;
// here every writer does, so commands, scripts, DAGs and library calls are all equally durable).
import { Buffer } from 'node:buffer';
import { writeDumpPayload } from '../dump/dumpPayload';
import type { StoredValue } from '../store/StoredValue';

/** One logged command. */
export type LogRecord = ReadonlyArray<Uint8Array | string>;

/** The commands that make `name` hold `value` (null: deleted). */
export function effectOf(name: string, value: StoredValue | null): LogRecord[] {
  const key = Buffer.from(name, 'latin1');
  if (value === null) return [['DEL', key]];
  switch (value.kind) {
    case 'tensor': {
      const t = value.tensor;
      return [['AI.TENSORSET', key, t.dtype, ...t.shape.map(String), 'BLOB', t.wireBytes]];
    }
    case 'string':
      return [['SET', key, value.bytes]];
    case 'list':
      return [['DEL', key], ['RPUSH', key, ...value.items]];
    case 'hash':
      return [['DEL', key], ['HSET', key, ...[...value.fields].flatMap(([f, v]) => [Buffer.from(f, 'latin1'), v])]];
    case 'model': {
      const m = value.model;
      // A TF model without node names (restored from RedisAI's first encoding) has no AI.MODELSTORE
      // that stores it again (TF needs INPUTS): its log record is the RESTORE of its DUMP payload.
      if (m.backend === 'TF' && (m.inputs.length === 0 || m.outputs.length === 0)) return [['RESTORE', key, '0', writeDumpPayload(value), 'REPLACE']];
      const record: Array<Uint8Array | string> = ['AI.MODELSTORE', key, m.backend, m.device];
      if (m.tag.length > 0) record.push('TAG', m.tag);
      if (m.batchsize > 0) {
        record.push('BATCHSIZE', String(m.batchsize));
        if (m.minbatchsize > 0) {
          record.push('MINBATCHSIZE', String(m.minbatchsize));
          if (m.minbatchtimeout > 0) record.push('MINBATCHTIMEOUT', String(m.minbatchtimeout));
        }
      }
      if (m.backend === 'TF') record.push('INPUTS', String(m.inputs.length), ...m.inputs, 'OUTPUTS', String(m.outputs.length), ...m.outputs);
      record.push('BLOB', m.blob);
      return [record];
    }
    case 'script': {
      const s = value.script;
      const tag = s.tag.length > 0 ? ['TAG', s.tag] : [];
      // A script stored with the deprecated AI.SCRIPTSET has no entry points (DESIGN.md deviation 6).
      return s.entryPoints.length > 0
        ? [['AI.SCRIPTSTORE', key, s.device, ...tag, 'ENTRY_POINTS', String(s.entryPoints.length), ...s.entryPoints, 'SOURCE', s.source]]
        : [['AI.SCRIPTSET', key, s.device, ...tag, 'SOURCE', s.source]];
    }
    case 'redis':
      return []; // only a Redis-backed store holds one, and it keeps no log
  }
}
