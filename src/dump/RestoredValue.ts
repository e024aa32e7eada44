import type { PersistedModel, PersistedScript } from '../model/Model';
import type { StoredValue } from '../store/StoredValue';

/** What a DUMP payload restores: a plain value, or a model or script still to load. */
export type RestoredValue =
  | { kind: 'value'; value: StoredValue }
  | { kind: 'model'; spec: PersistedModel }
  | { kind: 'script'; spec: PersistedScript };
