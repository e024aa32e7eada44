import type { Engine, RunStatus } from '../engine/Engine';
import { Errors, StormbreakerError } from '../errors';
import { keyName } from '../store/keyName';
import type { Tensor } from '../tensor/Tensor';
import type { Plan, PlanOp } from './Plan';

/**
 * Runs a plan: reads its loads now (so missing or wrong-typed keys fail before anything is
 * queued), runs each op on its device queue, and persists only when every op succeeded. An output
 * key holding another kind of value fails before anything runs (DESIGN.md deviation 5).
 */
export async function runPlan(engine: Engine, plan: Plan): Promise<RunStatus> {
  const scope = new Map<string, Tensor>();
  for (const name of plan.loads) scope.set(name, engine.getTensor(Buffer.from(name, 'latin1')));
  for (const name of plan.persist) {
    const existing = engine.keyspace.get(name);
    if (existing !== undefined && existing.kind !== 'tensor') throw new StormbreakerError(Errors.wrongType);
  }
  for (const op of plan.ops) {
    const inputs = op.inputs.map((name) => {
      const tensor = scope.get(name);
      if (tensor === undefined) throw new StormbreakerError('ERR INPUT key cannot be found in DAG');
      return tensor;
    });
    const { outputs, status } = await runOp(engine, op, inputs, plan.timeout);
    if (status === 'TIMEDOUT') return status;
    op.outputs.forEach((name, i) => scope.set(name, outputs[i]));
  }
  for (const name of plan.persist) engine.setTensor(Buffer.from(name, 'latin1'), scope.get(name)!);
  return 'OK';
}

async function runOp(engine: Engine, op: PlanOp, inputs: Tensor[], timeout: number) {
  if (op.kind === 'model') {
    const result = await engine.runModelOp(op.key, op.model, inputs, timeout);
    if (result.status === 'OK' && result.outputs.length < op.outputs.length) {
      const stat = engine.stats.get(op.key);
      if (stat !== undefined) stat.errors++;
      throw new StormbreakerError('ERR Model did not generate the expected number of outputs');
    }
    return result;
  }
  const result = await engine.runScriptOp(op.key, op.script, op.fn, inputs, op.keys, op.args, op.outputs.length > 0, timeout);
  if (result.status === 'OK' && result.outputs.length !== op.outputs.length) {
    const stat = engine.stats.get(op.key);
    if (stat !== undefined) stat.errors++; // the call counted; its result is an error
    throw new StormbreakerError(`Function returned unexpected number of outputs - ${op.fn}`);
  }
  return result;
}

/** The internal names of keys given on the wire or by a library user. */
export const names = (keys: ReadonlyArray<string | Uint8Array>): string[] => keys.map(keyName);
