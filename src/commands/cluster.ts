import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { StormbreakerError } from '../errors';
import { slotOf } from '../store/redis/layout';
import { keyName } from '../store/keyName';
import { MapReply, VerbatimReply } from '../resp/Reply';
import type { ClientInfo } from './Command';
import { defineCommand, word } from './Command';

// A node started with --store answers CLUSTER as one shard that owns every slot, so that a
// cluster-aware client (redis-py RedisCluster, ioredis Cluster, node-redis createCluster) sends
// it everything: any node serves any key, and nodes can stand behind one TCP load balancer. The
// embedded store is a standalone server, as Redis without cluster-enabled is.

const NODE_ID = randomBytes(20).toString('hex');

/** host and port this client reached us at: what it must use to come back. */
function endpoint(client: ClientInfo): [string, number] {
  const at = client.localAddress.lastIndexOf(':');
  const host = client.localAddress.slice(0, at).replace(/^::ffff:/, '');
  return [host, Number(client.localAddress.slice(at + 1))];
}

export const cluster = defineCommand({
  name: 'cluster', arity: -2, flags: ['stale'], group: 'cluster', since: '3.0.0',
  summary: 'With --store: answers as one shard owning every slot',
  run({ client, server }, args) {
    if (!server.storeBacked) throw new StormbreakerError('ERR This instance has cluster support disabled');
    const [host, port] = endpoint(client);
    switch (word(args, 1)) {
      case 'slots':
        return [[0, 16383, [Buffer.from(host), port, Buffer.from(NODE_ID)]]];
      case 'shards':
        return [new MapReply([
          ['slots', [0, 16383]],
          ['nodes', [new MapReply([
            ['id', NODE_ID], ['port', port], ['ip', host], ['endpoint', host], ['role', 'master'], ['replication-offset', 0], ['health', 'online'],
          ])]],
        ])];
      case 'nodes':
        return new VerbatimReply(`${NODE_ID} ${host}:${port}@0 myself,master - 0 0 1 connected 0-16383\n`);
      case 'myid':
        return NODE_ID;
      case 'info':
        return new VerbatimReply([
          'cluster_enabled:1', 'cluster_state:ok', 'cluster_slots_assigned:16384', 'cluster_slots_ok:16384', 'cluster_slots_pfail:0',
          'cluster_slots_fail:0', 'cluster_known_nodes:1', 'cluster_size:1', 'cluster_current_epoch:1', 'cluster_my_epoch:1', '',
        ].join('\r\n'));
      case 'keyslot':
        if (args.length !== 3) throw new StormbreakerError("ERR wrong number of arguments for 'cluster|keyslot' command");
        return slotOf(keyName(args[2]));
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try CLUSTER HELP.`);
    }
  },
});
