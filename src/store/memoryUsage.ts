import type { StoredValue } from './StoredValue';

// MEMORY USAGE's estimate for one key: the bytes its value holds plus a fixed cost per object,
// the way Redis answers it (an estimate, not an allocator's count). A tensor counts its data in
// native memory; a model counts the stored copy of its blob (what MODELGET returns), not the
// backend's own loaded form, which the backends do not report per model.

/** The cost of a key and its value's object beyond their bytes (Map entry, JS object, headers). */
const KEY_OVERHEAD = 56;
const ITEM_OVERHEAD = 16;

export function memoryUsage(name: string, value: StoredValue): number {
  return KEY_OVERHEAD + name.length + valueBytes(value);
}

function valueBytes(value: StoredValue): number {
  switch (value.kind) {
    case 'tensor':
      // The data, and the DLPack tensor with its shape.
      return value.tensor.byteLength + 64 + 8 * value.tensor.shape.length;
    case 'string':
      return value.bytes.length;
    case 'list':
      return value.items.reduce((n, item) => n + item.length + ITEM_OVERHEAD, 0);
    case 'hash': {
      let n = 0;
      for (const [field, v] of value.fields) n += field.length + v.length + 2 * ITEM_OVERHEAD;
      return n;
    }
    case 'model':
      return value.model.blob.length + value.model.tag.length;
    case 'script':
      return value.script.source.length + value.script.tag.length;
    case 'redis':
      return 0;
  }
}
