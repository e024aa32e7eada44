// A corpus of commands that names every kind of key a command can (a model's and a script's key,
// INPUTS, OUTPUTS, script KEYS and redis.execute, DAG LOAD and PERSIST, a transaction, commands
// over the whole keyspace) and errors that need a key's value (WRONGTYPE): run against two
// servers, their replies must match (the store seam's test, the Redis-backed store's).
import { fixture } from './fixtures';
import type { Parsed } from './RawClient';

export const SCRIPT = `def add(tensors: List[Tensor], keys: List[str], args: List[str]):
    return tensors[0] + tensors[1]

def keyed(tensors: List[Tensor], keys: List[str], args: List[str]):
    redis.execute("SET", keys[0], args[0])
    return tensors[0]

def via_model(tensors: List[Tensor], keys: List[str], args: List[str]):
    out = redisAI.model_execute(keys[0], [tensors[0], tensors[0]], 1)
    return out[0]
`;

export type Step = { args: Array<string | Buffer | number>; sortReply?: boolean };

// Every kind of key a command can name: a model's and a script's key, INPUTS, OUTPUTS (read for
// their type), script KEYS, DAG LOAD and PERSIST, the keys of a transaction, and commands over
// the whole keyspace; errors that need a declared key's value (WRONGTYPE) too.
export const STEPS: Step[] = [
  { args: ['AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 1, 2, 3, 4] },
  { args: ['AI.TENSORGET', 'a', 'META', 'VALUES'] },
  { args: ['AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'TAG', 'v1', 'BLOB', fixture('pt-minimal.pt')] },
  { args: ['AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'c'] },
  { args: ['AI.TENSORGET', 'c', 'VALUES'] },
  { args: ['AI.MODELRUN', 'm', 'INPUTS', 'a', 'c', 'OUTPUTS', 'c2'] },
  { args: ['AI.SCRIPTSTORE', 's', 'CPU', 'ENTRY_POINTS', 3, 'add', 'keyed', 'via_model', 'SOURCE', SCRIPT] },
  { args: ['AI.SCRIPTEXECUTE', 's', 'add', 'INPUTS', 2, 'a', 'c2', 'OUTPUTS', 1, 'd'] },
  // Its redis.execute call runs inside this command's batch (the device thread waits for its
  // answer, so it cannot wait for a fetch): the script's KEYS are what it may name.
  { args: ['AI.SCRIPTEXECUTE', 's', 'keyed', 'KEYS', 1, 'k', 'INPUTS', 1, 'a', 'ARGS', 1, 'hello', 'OUTPUTS', 1, 'e'] },
  { args: ['AI.SCRIPTEXECUTE', 's', 'via_model', 'KEYS', 1, 'm', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'f'] },
  { args: ['AI.SCRIPTRUN', 's', 'add', 'INPUTS', 'a', 'f', 'OUTPUTS', 'g'] },
  { args: ['GET', 'k'] },
  { args: ['AI.TENSORGET', 'g', 'VALUES'] },
  {
    args: ['AI.DAGEXECUTE', 'LOAD', 1, 'a', 'PERSIST', 1, 'out', '|>', 'AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'x',
      '|>', 'AI.SCRIPTEXECUTE', 's', 'add', 'INPUTS', 2, 'x', 'a', 'OUTPUTS', 1, 'out', '|>', 'AI.TENSORGET', 'out', 'VALUES'],
  },
  {
    args: ['AI.DAGEXECUTE', 'ROUTING', 'a', 'LOAD', 1, 'a', '|>', 'AI.SCRIPTEXECUTE', 's', 'via_model', 'KEYS', 1, 'm', 'INPUTS', 1, 'a',
      'OUTPUTS', 1, 'y', '|>', 'AI.TENSORGET', 'y', 'VALUES'],
  },
  { args: ['AI.DAGEXECUTE_RO', 'LOAD', 1, 'out', '|>', 'AI.TENSORGET', 'out', 'BLOB'] },
  { args: ['AI.DAGRUN', 'LOAD', 1, 'a', 'PERSIST', 1, 'z', '|>', 'AI.SCRIPTRUN', 's', 'add', 'INPUTS', 'a', 'a', 'OUTPUTS', 'z', '|>', 'AI.TENSORGET', 'z', 'VALUES'] },
  { args: ['SET', 'str', 'v'] },
  { args: ['AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'str'] },
  { args: ['AI.TENSORGET', 'missing', 'VALUES'] },
  { args: ['AI.MODELEXECUTE', 'nomodel', 'INPUTS', 1, 'a', 'OUTPUTS', 1, 'q'] },
  { args: ['MULTI'] },
  { args: ['SET', 'x1', '1'] },
  { args: ['AI.TENSORSET', 't2', 'FLOAT', 1, 'VALUES', 5] },
  { args: ['INCR', 'x1'] },
  { args: ['EXEC'] },
  { args: ['MGET', 'x1', 'k', 'nothing'] },
  { args: ['EXISTS', 'a', 'c', 'nothing'] },
  { args: ['RENAME', 'c', 'c3'] },
  { args: ['TYPE', 'c3'] },
  { args: ['EXPIRE', 'a', 1000] },
  { args: ['TTL', 'a'] },
  { args: ['AI.MODELGET', 'm', 'META'] },
  { args: ['AI.SCRIPTGET', 's', 'SOURCE'] },
  { args: ['AI.INFO', 'm'] },
  { args: ['DEL', 'x1', 't2', 'nothing'] },
  { args: ['KEYS', '*'], sortReply: true },
  { args: ['SCAN', 0, 'COUNT', 1000], sortReply: true },
  { args: ['AI.MODELDEL', 'm'] },
  { args: ['AI.SCRIPTDEL', 's'] },
  { args: ['DBSIZE'] },
  { args: ['FLUSHALL'] },
  { args: ['DBSIZE'] },
];

/** Only what a reply says, not volatile figures (AI.INFO's durations, SCAN's key order). */
export function comparable(step: Step, reply: Parsed): unknown {
  if (step.args[0] === 'AI.INFO' && Array.isArray(reply)) return reply.filter((_, i) => i % 2 === 0);
  if (!step.sortReply || !Array.isArray(reply)) return reply;
  const keys = (step.args[0] === 'SCAN' ? reply[1] : reply) as Buffer[];
  return keys.map(String).sort();
}

