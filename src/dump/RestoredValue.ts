import type { SnapshotRecord } from '../persistence/snapshotReaders';

/** What a DUMP payload restores: a plain value, or a model or script still to load (as a snapshot record holds them). */
export type RestoredValue = Exclude<SnapshotRecord, { kind: 'expiry' }> extends infer R
  ? R extends { name: string } ? Omit<R, 'name'> : never : never;
