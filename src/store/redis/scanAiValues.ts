// AI._MODELSCAN and AI._SCRIPTSCAN on a node started with --store: the models (or scripts) of the
// whole fleet are the hashes in Redis whose marker field names that kind, not the ones this node
// happens to have loaded. Found with SCAN … TYPE hash on every primary, a page at a time, and one
// pipelined HMGET per page (the keys of a page live on the primary that listed them).
import { Buffer } from 'node:buffer';
import { MARKER } from './layout';
import type { RedisConnection } from './RedisConnection';

const PAGE = '1000';

/** [key, tag] of every value of `kind` ('model' or 'script') in the store, in SCAN's order. */
export async function scanAiValues(connection: RedisConnection, kind: 'model' | 'script'): Promise<Array<[Buffer, Buffer]>> {
  const found: Array<[Buffer, Buffer]> = [];
  // SCAN may return a key more than once.
  const seen = new Set<string>();
  for (let primary = 0; primary < connection.primaryCount; primary++) {
    let cursor = '0';
    do {
      const [next, keys] = await connection.onPrimary(primary, ['SCAN', cursor, 'COUNT', PAGE, 'TYPE', 'hash']) as [Buffer, Buffer[]];
      cursor = next.toString('latin1');
      if (keys.length === 0) continue;
      const fields = await connection.pipeline(keys.map((key) => ['HMGET', key, MARKER, 'tag']), keys[0]);
      keys.forEach((key, i) => {
        const reply = fields[i];
        if (reply instanceof Error) {
          // A key made another type since SCAN listed it is simply not one of them; any other
          // error (MOVED in a resharding, a primary gone) would silently drop models: it is the reply.
          if (reply.message.startsWith('WRONGTYPE')) return;
          throw reply;
        }
        if (!Array.isArray(reply)) return;
        const [marker, tag] = reply as Array<Buffer | null>;
        const name = key.toString('latin1');
        if (marker?.toString('latin1') === kind && !seen.has(name)) {
          seen.add(name);
          found.push([key, tag ?? Buffer.alloc(0)]);
        }
      });
    } while (cursor !== '0');
  }
  return found;
}
