import type { StoredModel, StoredScript } from '../model/Model';
import type { Tensor } from '../tensor/Tensor';

/** What a key can hold. */
export type StoredValue =
  | { readonly kind: 'tensor'; readonly tensor: Tensor }
  | { readonly kind: 'string'; readonly bytes: Buffer }
  | { readonly kind: 'list'; readonly items: Buffer[] }
  | { readonly kind: 'hash'; readonly fields: Map<string, Buffer> }
  | { readonly kind: 'model'; readonly model: StoredModel }
  | { readonly kind: 'script'; readonly script: StoredScript }
  /** A value of a Redis type this server does not hold (a set, a stream): only a Redis-backed store reads one, to say WRONGTYPE. */
  | { readonly kind: 'redis'; readonly type: string };

/** The name `TYPE` reports for each kind (RedisAI's module type names for AI objects). */
export const TYPE_NAME: Readonly<Record<StoredValue['kind'], string>> = {
  tensor: 'AI_TENSOR',
  string: 'string',
  list: 'list',
  hash: 'hash',
  model: 'AI__MODEL',
  script: 'AI_SCRIPT',
  redis: 'none',
};

/** What `TYPE` says of a value. */
export function typeName(value: StoredValue): string {
  return value.kind === 'redis' ? value.type : TYPE_NAME[value.kind];
}
