// For an engine no server serves (the library): its scripts' redis.execute runs the command
// table with the library's fixed settings (there is no CONFIG to change them). A server replaces
// this with its own dispatch (Server calls engine.useScriptHost).
import { Engine } from '../engine/Engine';
import { StormbreakerError } from '../errors';
import { DEFAULT_LIMITS } from '../resp/RequestDecoder';
import { CommandStats } from '../observe/CommandStats';
import { SlowLog } from '../observe/SlowLog';
import { OpsSampler } from '../observe/OpsSampler';
import { Monitors } from '../observe/Monitors';
import { LatencyMonitor } from '../observe/LatencyMonitor';
import { VERSION } from '../version';
import type { ServerInfo } from './Command';
import { commandTable } from './index';
import { makeScriptHost } from './scriptHost';

Engine.libraryScriptHost = (engine) => {
  const table = commandTable();
  const startedAt = Date.now();
  const server: ServerInfo = {
    version: VERSION, startedAt, port: 0, tcpPort: 0,
    stats: { connectionsReceived: 0, commandsProcessed: 0, rejectedConnections: 0 },
    commandStats: new CommandStats(), slowLog: new SlowLog(), opsSampler: new OpsSampler(() => 0), monitors: new Monitors(), latency: new LatencyMonitor(),
    config: [], requirePassword: () => '', clients: () => [], commands: () => table.values(),
    findCommand: (name) => table.get(name),
    maxBulkLength: () => DEFAULT_LIMITS.maxBulkLength, overMaxmemory: () => false,
    persistence: null, storeBacked: false,
    logWarning: () => undefined,
    logNotice: () => undefined,
    runAs: () => { throw new StormbreakerError('ERR EXEC is not available to scripts'); },
    watch: () => undefined,
    unwatch: () => undefined,
    shutdown: () => Promise.reject(new StormbreakerError('ERR SHUTDOWN cannot be called from a script')),
  };
  return makeScriptHost(engine, server);
};
