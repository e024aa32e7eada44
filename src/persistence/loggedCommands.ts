import type { Command } from '../commands/Command';

// Execution commands are logged by their effects (the tensors they write, spec §13), never
// themselves: replaying a model run would repeat the computation, and could differ.
// AI.CONFIG changes settings, not keys.
const NOT_LOGGED_THEMSELVES = new Set([
  'ai.modelexecute', 'ai.modelrun', 'ai.scriptexecute', 'ai.scriptrun', 'ai.dagexecute', 'ai.dagrun', 'ai.config',
]);

/** Whether a successful call of `command` goes to the append-only log as it was sent. */
export function loggedAsSent(command: Command): boolean {
  return command.flags.includes('write') && !NOT_LOGGED_THEMSELVES.has(command.name);
}
