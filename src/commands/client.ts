import { Errors, StormbreakerError } from '../errors';
import { OK, VerbatimReply } from '../resp/Reply';
import { ClientInfo, defineCommand, word } from './Command';

/** Redis refuses names with spaces, newlines or other special characters. */
export function validateClientName(name: string): void {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) {
      throw new StormbreakerError('ERR Client names cannot contain spaces, newlines or special characters.');
    }
  }
}

function describe(c: ClientInfo, now: number): string {
  const age = Math.floor((now - c.createdAt) / 1000);
  // lastCommandAt comes from the monotonic clock (performance.timeOrigin + now), `now` from the wall clock.
  const idle = Math.max(0, Math.floor((now - c.lastCommandAt) / 1000));
  return (
    `id=${c.id} addr=${c.address} laddr=${c.localAddress} fd=-1 name=${c.name} age=${age} idle=${idle} ` +
    `flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 ` +
    `obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=${c.lastCommand} user=default redir=-1 resp=${c.protocol} ` +
    `lib-name=${c.libName} lib-ver=${c.libVersion}\n`
  );
}

/** CLIENT ID | SETNAME | GETNAME | SETINFO | LIST */
export const client = defineCommand({
  name: 'client',
  arity: -2,
  group: 'connection',
  summary: 'Inspects and names client connections',
  run({ client, server }, args) {
    const sub = word(args, 1);
    const arity = (n: number) => {
      if (args.length !== n) throw new StormbreakerError(Errors.wrongArity(`client|${sub}`));
    };
    switch (sub) {
      case 'id':
        arity(2);
        return client.id;
      case 'getname':
        arity(2);
        return client.name === '' ? null : client.name;
      case 'setname': {
        arity(3);
        const name = args[2].toString('latin1');
        validateClientName(name);
        client.name = name;
        return OK;
      }
      case 'setinfo': {
        arity(4);
        const attribute = word(args, 2);
        const value = args[3].toString('latin1');
        if (attribute === 'lib-name') {
          validateClientName(value);
          client.libName = value;
        } else if (attribute === 'lib-ver') {
          validateClientName(value);
          client.libVersion = value;
        } else {
          throw new StormbreakerError(`ERR Unrecognized option '${args[2].toString('latin1')}'`);
        }
        return OK;
      }
      case 'list': {
        const now = Date.now();
        let text = '';
        for (const c of server.clients()) text += describe(c, now);
        return new VerbatimReply(text);
      }
      case 'info':
        return new VerbatimReply(describe(client, Date.now()));
      case 'kill':
        return kill(client, Array.from(server.clients()), args);
      default:
        throw new StormbreakerError(`ERR unknown subcommand '${args[1].toString('latin1')}'. Try CLIENT HELP.`);
    }
  },
});

/**
 * CLIENT KILL addr (the old form: OK, or an error when no client has that address) and CLIENT
 * KILL with filters ID, ADDR, LADDR, USER, TYPE, SKIPME, MAXAGE (the number killed), as Redis 7.
 * The client that asks is closed after its reply, the others at once.
 */
function kill(self: ClientInfo, clients: ClientInfo[], args: readonly Buffer[]): number | typeof OK {
  if (args.length < 3) throw new StormbreakerError(Errors.wrongArity('client|kill'));
  const close = (c: ClientInfo) => (c === self ? self.closeAfterReply() : c.kill());
  if (args.length === 3) {
    const addr = args[2].toString('latin1');
    const found = clients.find((c) => c.address === addr);
    if (found === undefined) throw new StormbreakerError('ERR No such client');
    close(found);
    return OK;
  }
  const filters: Array<(c: ClientInfo) => boolean> = [];
  let skipMe = true;
  for (let i = 2; i < args.length; i += 2) {
    if (i + 1 >= args.length) throw new StormbreakerError(Errors.syntax);
    const option = word(args, i);
    const value = args[i + 1].toString('latin1');
    if (option === 'id') {
      const id = /^\d+$/.test(value) ? Number(value) : 0;
      if (!(id > 0)) throw new StormbreakerError('ERR client-id should be greater than 0');
      filters.push((c) => c.id === id);
    } else if (option === 'addr') {
      filters.push((c) => c.address === value);
    } else if (option === 'laddr') {
      filters.push((c) => c.localAddress === value);
    } else if (option === 'user') {
      if (value !== 'default') throw new StormbreakerError(`ERR No such user '${value}'`);
    } else if (option === 'type') {
      const type = value.toLowerCase();
      if (!['normal', 'master', 'replica', 'slave', 'pubsub'].includes(type)) throw new StormbreakerError(`ERR Unknown client type '${value}'`);
      // Every client here is a normal one (no replication, no pub/sub).
      filters.push(() => type === 'normal');
    } else if (option === 'skipme') {
      const yes = value.toLowerCase();
      if (yes !== 'yes' && yes !== 'no') throw new StormbreakerError(Errors.syntax);
      skipMe = yes === 'yes';
    } else if (option === 'maxage') {
      if (!/^\d+$/.test(value)) throw new StormbreakerError(Errors.syntax);
      const seconds = Number(value);
      filters.push((c) => (Date.now() - c.createdAt) / 1000 >= seconds);
    } else {
      throw new StormbreakerError(Errors.syntax);
    }
  }
  let killed = 0;
  for (const c of clients) {
    if ((skipMe && c === self) || !filters.every((f) => f(c))) continue;
    close(c);
    killed++;
  }
  return killed;
}
