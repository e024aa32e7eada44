import { aiConfig } from './ai.config';
import { dagexecute, dagexecuteRo, dagrun, dagrunRo } from './ai.dagexecute';
import { aiInfo } from './ai.info';
import { modeldel } from './ai.modeldel';
import { modelexecute, modelrun } from './ai.modelexecute';
import { modelget } from './ai.modelget';
import { modelscan } from './ai.modelscan';
import { modelset } from './ai.modelset';
import { modelstore } from './ai.modelstore';
import { scriptexecute, scriptrun } from './ai.scriptexecute';
import { scriptdel, scriptget, scriptscan } from './ai.scriptget';
import { scriptset, scriptstore } from './ai.scriptstore';
import { tensorget } from './ai.tensorget';
import { tensorset } from './ai.tensorset';
import { auth } from './auth';
import { client } from './client';
import { cluster } from './cluster';
import type { Command } from './Command';
import { command } from './commandInfo';
import { config } from './config';
import { debug } from './debug';
import { echo } from './echo';
import { hello } from './hello';
import { info } from './info';
import { dbsize, del, exists, flushall, flushdb, keys, rename, scan, type, unlink } from './keyspaceCommands';
import { bgrewriteaof, bgsave, lastsave, save, shutdown } from './persistenceCommands';
import { ping } from './ping';
import { quit } from './quit';
import { select } from './select';
import { append, get, getdel, getset, mset, msetnx, set, setnx, strlen } from './strings';
import {
  decr, decrby, hdel, hexists, hget, hgetall, hincrby, hkeys, hlen, hmget, hmset, hset, hsetnx, hstrlen, hvals, incr, incrby, llen, lpop, lpush,
  lrange, mget, rpop, rpush, lindex, lset, lrem, ltrim,
} from './collections';
import { discard, exec, multi, unwatch, watch } from './transactions';
import { moduleCommand } from './module';
import { luaCommands } from './lua';
import { slowlog } from './slowlog';
import { memory } from './memory';
import { monitor } from './monitor';
import { latency } from './latency';
import { dump, restore } from './dumpRestore';
import { expire, expireat, expiretime, persist, pexpire, pexpireat, pexpiretime, pttl, ttl } from './expiry';

/** Every command the server answers, by lower-case name. */
export function commandTable(): Map<string, Command> {
  const all = [
    tensorset, tensorget,
    modelstore, modelset, modelget, modeldel, modelexecute, modelrun, modelscan, aiInfo, aiConfig,
    dagexecute, dagexecuteRo, dagrun, dagrunRo,
    scriptstore, scriptset, scriptget, scriptdel, scriptexecute, scriptrun, scriptscan,
    ping, echo, quit, hello, auth, select, client, command, info, config,
    multi, exec, discard, watch, unwatch, moduleCommand, cluster,
    dbsize, del, unlink, exists, type, keys, scan, rename, flushdb, flushall,
    get, set, setnx, getset, getdel, append, strlen, mset, msetnx, mget, incr, decr, incrby, decrby,
    lpush, rpush, lpop, rpop, llen, lrange, lindex, lset, lrem, ltrim, hset, hmset, hsetnx, hget, hmget, hexists, hstrlen, hincrby, hdel, hlen, hkeys, hvals, hgetall,
    save, bgsave, lastsave, bgrewriteaof, shutdown, debug, slowlog, latency, memory, monitor, ...luaCommands,
    expire, pexpire, expireat, pexpireat, ttl, pttl, expiretime, pexpiretime, persist, dump, restore,
  ];
  return new Map(all.map((c) => [c.name, c]));
}

export type { Command, CommandContext, ClientInfo, ServerInfo, ConfigParameter } from './Command';
