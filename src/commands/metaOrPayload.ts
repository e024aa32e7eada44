import type { Reply } from '../resp/Reply';
import { upper } from './modelArgs';

/**
 * The reply of AI.MODELGET / AI.SCRIPTGET `<key> [META] [<payload>]` (spec §4.3, §5.3): the
 * payload alone, the metadata alone, or both (also when neither is named). Other tokens are
 * ignored, as in RedisAI.
 */
export function metaOrPayloadReply(options: readonly Buffer[], word: 'BLOB' | 'SOURCE', meta: () => Reply[], payload: () => Reply): Reply {
  let wantMeta = false;
  let wantPayload = false;
  for (const token of options.map(upper)) {
    if (token === 'META') wantMeta = true;
    else if (token === word) wantPayload = true;
  }
  if (wantPayload && !wantMeta) return payload();
  const reply = meta();
  if (wantMeta && !wantPayload) return reply;
  reply.push(word.toLowerCase(), payload());
  return reply;
}
