import { OK } from '../resp/Reply';
import { defineCommand } from './Command';

export const quit = defineCommand({
  name: 'quit',
  arity: -1,
  flags: ['noscript', 'noauth', 'fast'],
  group: 'connection',
  summary: 'Closes the connection',
  run({ client }) {
    client.closeAfterReply();
    return OK;
  },
});
