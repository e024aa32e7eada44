import { defineCommand } from './Command';

export const echo = defineCommand({
  name: 'echo',
  arity: 2,
  flags: ['fast'],
  group: 'connection',
  summary: 'Returns the given string',
  run: (_ctx, args) => args[1],
});
