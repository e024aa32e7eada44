import { StormbreakerError } from '../errors';
import { MapReply, Reply } from '../resp/Reply';
import { parseSafeInteger } from '../util/redisNumbers';
import { authenticate } from './auth';
import { defineCommand, word } from './Command';
import { validateClientName } from './client';

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
export const hello = defineCommand({
  name: 'hello',
  arity: -1,
  flags: ['noscript', 'noauth', 'fast', 'skip_slowlog'],
  group: 'connection',
  since: '6.0.0',
  summary: 'Handshakes with the server, choosing the protocol version',
  run({ server, client }, args) {
    let protocol = client.protocol;
    if (args.length >= 2) {
      const version = parseSafeInteger(args[1].toString('latin1'));
      if (version === undefined) throw new StormbreakerError('ERR Protocol version is not an integer or out of range');
      if (version !== 2 && version !== 3) throw new StormbreakerError('NOPROTO unsupported protocol version');
      protocol = version;
    }
    let name: string | undefined;
    for (let i = 2; i < args.length; i++) {
      const option = word(args, i);
      if (option === 'auth' && i + 2 < args.length) {
        authenticate(server, client, args[i + 1].toString('latin1'), args[i + 2]);
        i += 2;
      } else if (option === 'setname' && i + 1 < args.length) {
        name = args[i + 1].toString('latin1');
        validateClientName(name);
        i += 1;
      } else {
        throw new StormbreakerError(`ERR Syntax error in HELLO option '${args[i].toString('latin1')}'`);
      }
    }
    if (!client.authenticated) {
      throw new StormbreakerError(
        'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
      );
    }
    if (name !== undefined) client.name = name;
    client.protocol = protocol;
    const entries: Array<[Reply, Reply]> = [
      ['server', 'redis'],
      ['version', server.version],
      ['proto', protocol],
      ['id', client.id],
      ['mode', 'standalone'],
      ['role', 'master'],
      ['modules', []],
    ];
    return new MapReply(entries);
  },
});
