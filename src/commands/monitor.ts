import { OK } from '../resp/Reply';
import { defineCommand } from './Command';

/** MONITOR: from now on this client gets a line for every command any client runs (see Monitors.ts). */
export const monitor = defineCommand({
  name: 'monitor', arity: 1, flags: ['admin', 'noscript', 'loading', 'stale'], group: 'server', since: '1.0.0',
  summary: 'Streams every command the server runs',
  run({ client, server }) {
    server.monitors.add(client);
    return OK;
  },
});
