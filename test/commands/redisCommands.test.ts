import { strict as assert } from 'node:assert';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import type { Server } from '../../src';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startServer } from '../helpers/servers';

let server: Server;
let port: number;
let c: RawClient;

beforeAll(async () => {
  ({ server, port } = await startServer());
  c = await RawClient.connect(port);
});
afterAll(async () => {
  await c.close();
  await server.close();
});

const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);
const show = (reply: Parsed) => (reply instanceof Error ? `error: ${reply.message}` : reply);

describe('connection commands', () => {
  it('PING, ECHO and unknown commands', async () => {
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('PING', 'hi'), 'hi');
    assert.equal(await c.call('ECHO', 'x\r\ny'), 'x\r\ny');
    assert.equal(message(await c.call('PING', 'a', 'b')), "ERR wrong number of arguments for 'ping' command");
    assert.equal(message(await c.call('ECHO')), "ERR wrong number of arguments for 'echo' command");
    assert.equal(message(await c.call('NOPE', 'a', 'b')), "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ");
    assert.equal(message(await c.call('NOPE')), "ERR unknown command 'NOPE', with args beginning with: ");
  });

  it('SELECT only database 0', async () => {
    assert.equal(await c.call('SELECT', 0), 'OK');
    assert.equal(message(await c.call('SELECT', 1)), 'ERR DB index is out of range');
    assert.equal(message(await c.call('SELECT', 'x')), 'ERR value is not an integer or out of range');
  });

  it('CLIENT ID, SETNAME, GETNAME, SETINFO, LIST', async () => {
    const id = await c.call('CLIENT', 'ID');
    assert.equal(typeof id, 'number');
    assert.equal(await c.call('CLIENT', 'GETNAME'), null);
    assert.equal(await c.call('CLIENT', 'SETNAME', 'tester'), 'OK');
    assert.equal(await c.call('CLIENT', 'GETNAME'), 'tester');
    assert.equal(message(await c.call('CLIENT', 'SETNAME', 'a b')), 'ERR Client names cannot contain spaces, newlines or special characters.');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '1.2'), 'OK');
    const list = String(await c.call('CLIENT', 'LIST'));
    assert.match(list, new RegExp(`^id=${id} addr=127\\.0\\.0\\.1:\\d+ .* name=tester .*lib-name=mylib lib-ver=1\\.2$`, 'm'));
    assert.equal(message(await c.call('CLIENT', 'BOGUS')), "ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.");
  });

  it('CLIENT KILL by address and by filters, with Redis 7\'s errors', async () => {
    const victim = await RawClient.connect(port);
    const other = await RawClient.connect(port);
    const victimId = Number(await victim.call('CLIENT', 'ID'));
    const victimAddr = String(await victim.call('CLIENT', 'INFO')).match(/ addr=(\S+) /)![1];
    assert.equal(await c.call('CLIENT', 'KILL', victimAddr), 'OK');
    await victim.closed;
    assert.equal(message(await c.call('CLIENT', 'KILL', victimAddr)), 'ERR No such client');
    const otherId = Number(await other.call('CLIENT', 'ID'));
    assert.equal(await c.call('CLIENT', 'KILL', 'ID', victimId), 0, 'already gone');
    assert.equal(await c.call('CLIENT', 'KILL', 'ID', otherId, 'TYPE', 'normal'), 1);
    await other.closed;
    for (const [command, error] of [
      [['ID', 'x'], 'ERR client-id should be greater than 0'], [['ID', 0], 'ERR client-id should be greater than 0'],
      [['TYPE', 'foo'], "ERR Unknown client type 'foo'"], [['TYPE', 'normal', 'SKIPME', 'maybe'], 'ERR syntax error'],
      [['FOO', 'bar'], 'ERR syntax error'], [['USER', 'nobody'], "ERR No such user 'nobody'"], [['MAXAGE', 'x'], 'ERR syntax error'],
    ] as Array<[Array<string | number>, string]>) {
      assert.equal(message(await c.call('CLIENT', 'KILL', ...command)), error, command.join(' '));
    }
    assert.equal(await c.call('CLIENT', 'KILL', 'TYPE', 'normal'), 0, 'SKIPME yes by default: the asking client stays');
    assert.equal(await c.call('PING'), 'PONG');
  });

  it('HELLO switches to RESP3 and answers a map', async () => {
    const raw = await RawClient.connect(port);
    const reply = (await raw.raw('*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n', 120)).toString();
    assert.match(reply, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n\$7\r\nversion\r\n\$6\r\n7\.0\.15\r\n\$5\r\nproto\r\n:3\r\n/);
    assert.equal((await raw.raw('CLIENT GETNAME\r\n', 3)).toString(), '_\r\n');
    assert.equal((await raw.raw('HELLO 4\r\n', 37)).toString(), '-NOPROTO unsupported protocol version\r\n');
    await raw.close();
  });

  it('COMMAND COUNT, INFO and DOCS describe the commands', async () => {
    const count = (await c.call('COMMAND', 'COUNT')) as number;
    assert.ok(count >= 20);
    const [info] = (await c.call('COMMAND', 'INFO', 'ai.tensorset')) as Parsed[][];
    assert.deepEqual(info.slice(0, 6), ['ai.tensorset', -1, ['write', 'denyoom'], 1, 1, 1]);
    assert.deepEqual(await c.call('COMMAND', 'INFO', 'nope'), [null]);
    const docs = (await c.call('COMMAND', 'DOCS', 'get')) as Parsed[];
    assert.equal(docs[0], 'get');
    assert.deepEqual((docs[1] as Parsed[]).slice(0, 2), ['summary', 'Returns the string value of a key']);
  });

  it('INFO has the sections clients read', async () => {
    await c.call('AI.TENSORSET', 'info_t', 'FLOAT', 1);
    const text = String(await c.call('INFO'));
    for (const section of ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Keyspace']) {
      assert.ok(text.includes(`${section}\r\n`), section);
    }
    assert.match(text, /\r\nloading:0\r\n/);
    assert.match(text, /\r\ndb0:keys=\d+,expires=0,avg_ttl=0\r\n/);
    assert.match(String(await c.call('INFO', 'clients')), /^# Clients\r\nconnected_clients:\d+\r\n/);
  });
});

describe('keyspace commands', () => {
  it('DEL, UNLINK, EXISTS, TYPE, DBSIZE, RENAME, FLUSHDB', async () => {
    await c.call('FLUSHALL');
    await c.call('AI.TENSORSET', 't1', 'FLOAT', 1);
    await c.call('AI.TENSORSET', 't2', 'FLOAT', 1);
    await c.call('SET', 's', 'v');
    assert.equal(await c.call('DBSIZE'), 3);
    assert.equal(await c.call('EXISTS', 't1', 't1', 'nope'), 2);
    assert.equal(await c.call('TYPE', 't1'), 'AI_TENSOR');
    assert.equal(await c.call('TYPE', 's'), 'string');
    assert.equal(await c.call('TYPE', 'nope'), 'none');
    assert.equal(await c.call('RENAME', 't1', 't3'), 'OK');
    assert.equal(await c.call('EXISTS', 't1'), 0);
    assert.deepEqual(await c.call('AI.TENSORGET', 't3', 'META'), ['dtype', 'FLOAT', 'shape', [1]]);
    assert.equal(message(await c.call('RENAME', 'nope', 'x')), 'ERR no such key');
    assert.equal(await c.call('DEL', 't3', 'nope'), 1);
    assert.equal(await c.call('UNLINK', 't2'), 1);
    assert.equal(message(await c.call('GET', 'nope', 'x')), "ERR wrong number of arguments for 'get' command");
    assert.equal(await c.call('GET', 't2'), null);
    await c.call('AI.TENSORSET', 'tt', 'FLOAT', 1);
    assert.equal(message(await c.call('GET', 'tt')), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(await c.call('FLUSHDB'), 'OK');
    assert.equal(await c.call('DBSIZE'), 0);
  });

  it('KEYS and SCAN with MATCH, COUNT and TYPE visit every key exactly once', async () => {
    await c.call('FLUSHALL');
    const commands: string[][] = [];
    for (let i = 0; i < 250; i++) commands.push(i % 2 ? ['AI.TENSORSET', `t:${i}`, 'INT8', '1'] : ['SET', `s:${i}`, 'x']);
    await c.pipeline(commands);
    assert.equal(((await c.call('KEYS', 't:*')) as string[]).length, 125);
    assert.deepEqual(await c.call('KEYS', 't:1[01]'), ['t:11']);
    const seen: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = (await c.call('SCAN', cursor, 'COUNT', 7)) as [string, string[]];
      seen.push(...keys);
      cursor = next;
      calls++;
      if (calls === 3) await c.call('DEL', 's:0'); // deleting during a scan must not skip others
    } while (cursor !== '0');
    assert.ok(calls > 30);
    const expected = commands.map((cmd) => cmd[1]).filter((k) => k !== 's:0');
    assert.deepEqual(seen.filter((k) => k !== 's:0').sort(), expected.sort());
    const tensors: string[] = [];
    cursor = '0';
    do {
      const [next, keys] = (await c.call('SCAN', cursor, 'MATCH', '*:1*', 'TYPE', 'AI_TENSOR')) as [string, string[]];
      tensors.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    assert.deepEqual(tensors.sort(), expected.filter((k) => k.startsWith('t:1')).sort());
    assert.equal(message(await c.call('SCAN', 'x')), 'ERR invalid cursor');
  });

  it('CONFIG GET and SET the settings we have', async () => {
    assert.deepEqual(await c.call('CONFIG', 'GET', 'proto-max-bulk-len'), ['proto-max-bulk-len', '536870912']);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'maxclient*'), ['maxclients', '10000']);
    assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), 'OK');
    assert.deepEqual(await c.call('CONFIG', 'GET', 'proto-max-bulk-len'), ['proto-max-bulk-len', '1048576']);
    assert.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb'), 'OK');
    assert.equal(message(await c.call('CONFIG', 'SET', 'nope', '1')), "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
    assert.equal(message(await c.call('CONFIG', 'SET', 'port', '1')), "ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
    assert.equal(message(await c.call('CONFIG', 'BOGUS')), "ERR unknown subcommand 'BOGUS'. Try CONFIG HELP.");
    // Redis 7 refuses changing dir and dbfilename at run time (protected configs).
    for (const name of ['dir', 'dbfilename']) {
      assert.equal(message(await c.call('CONFIG', 'SET', name, 'x')), `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`);
    }
    assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory*'), ['maxmemory', '0', 'maxmemory-policy', 'noeviction']);
    assert.deepEqual(await c.call('CONFIG', 'GET', 'timeout'), ['timeout', '0']);
    const all = (await c.call('CONFIG', 'GET', '*')) as string[];
    for (const name of ['appendfsync', 'auto-aof-rewrite-min-size', 'slowlog-max-len', 'requirepass', 'metrics-port']) assert.ok(all.includes(name), name);
    await c.call('GET');
    assert.match(String(await c.call('INFO', 'commandstats')), /cmdstat_get:/);
    assert.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK');
    assert.ok(!String(await c.call('INFO', 'commandstats')).includes('cmdstat_get:'), 'RESETSTAT clears commandstats');
  });

  it('maxmemory refuses commands that add data with Redis\'s OOM error (noeviction, the only policy), as redis-server 7 does', async () => {
    const { startRedisServer } = await import('../helpers/servers');
    const { port } = await startServer();
    const ours = await RawClient.connect(port);
    const theirs = await RawClient.connect(await startRedisServer());
    const both = async (...command: Array<string | number>) => {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      assert.deepEqual(show(a), show(b), command.join(' '));
      return a;
    };
    for (const command of [['CONFIG', 'SET', 'maxmemory', '-5'], ['CONFIG', 'SET', 'maxmemory-policy', 'bogus'], ['CONFIG', 'SET', 'busy-reply-threshold', 'x'],
      ['CONFIG', 'SET', 'lua-time-limit', '6000'], ['CONFIG', 'GET', 'busy-reply-threshold'], ['CONFIG', 'GET', 'lua-time-limit'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['SET', 'kept', 'v'], ['CONFIG', 'SET', 'maxmemory', '1'],
      ['SET', 'a', 'b'], ['RPUSH', 'l', 'x'], ['HSET', 'h', 'f', 'v'], ['GET', 'kept'], ['DEL', 'kept'], ['MULTI'], ['SET', 'c', 'd'], ['EXEC'],
      ['CONFIG', 'SET', 'maxmemory', '0'], ['SET', 'a', 'b'], ['CONFIG', 'GET', 'maxmemory']]) {
      await both(...command);
    }
    const oomCount = async (c: RawClient) => /errorstat_OOM:count=(\d+)/.exec(String(await c.call('INFO', 'errorstats')))?.[1];
    assert.equal(await oomCount(ours), await oomCount(theirs), 'errorstats count the refusals as Redis does');
    assert.equal(message(await ours.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')),
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - only noeviction is available: this server never evicts keys");
    // The AI commands that add data are refused too, and reads still answer.
    await ours.call('AI.TENSORSET', 't', 'FLOAT', 1, 'VALUES', 1);
    assert.equal(await ours.call('CONFIG', 'SET', 'maxmemory', '1'), 'OK');
    assert.equal(message(await ours.call('AI.TENSORSET', 'u', 'FLOAT', 1, 'VALUES', 1)), "OOM command not allowed when used memory > 'maxmemory'.");
    assert.deepEqual(await ours.call('AI.TENSORGET', 't', 'VALUES'), ['1']);
    await Promise.all([ours.close(), theirs.close()]);
  });
});

describe('AUTH with requirepass', () => {
  it('refuses commands until AUTH, and refuses wrong passwords', async () => {
    const { server: locked, port: lockedPort } = await startServer({ requirepass: 's3cret' });
    const a = await RawClient.connect(lockedPort);
    assert.equal(message(await a.call('AI.TENSORSET', 'k', 'FLOAT', 1)), 'NOAUTH Authentication required.');
    assert.equal(message(await a.call('AUTH', 'wrong')), 'WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(message(await a.call('HELLO', '3')).slice(0, 47), 'NOAUTH HELLO must be called with the client alr');
    assert.equal(await a.call('AUTH', 's3cret'), 'OK');
    assert.equal(await a.call('AI.TENSORSET', 'k', 'FLOAT', 1), 'OK');
    const b = await RawClient.connect(lockedPort);
    const hello = (await b.call('HELLO', '2', 'AUTH', 'default', 's3cret', 'SETNAME', 'x')) as Parsed[];
    assert.equal(hello[0], 'server');
    assert.equal(await b.call('CLIENT', 'GETNAME'), 'x');
    await a.close();
    await b.close();
    await locked.close();
    assert.equal(
      message(await c.call('AUTH', 'pw')),
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    );
  });
});
