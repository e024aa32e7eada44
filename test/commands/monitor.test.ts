// MONITOR's feed, compared line by line with a real redis-server 7's (times and client ports aside).
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { RawClient } from '../helpers/RawClient';
import { startRedisServer, startServer } from '../helpers/servers';
import { closeAfterFile } from '../helpers/closeAfterFile';

/** What a monitoring client receives while `commands` run on another connection, without times and ports. */
async function feed(port: number, commands: ReadonlyArray<ReadonlyArray<string | number | Buffer>>): Promise<string[]> {
  const watcher = await RawClient.connect(port, { returnBuffers: true });
  const worker = await RawClient.connect(port);
  closeAfterFile(() => Promise.all([watcher.close(), worker.close()]));
  assert.equal(String(await watcher.call('MONITOR')), 'OK');
  for (const command of commands) await worker.call(...command);
  await worker.call('PING', 'last');
  const lines: string[] = [];
  for (;;) {
    const line = String(await watcher.next());
    lines.push(line.replace(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] /, ''));
    if (line.endsWith('"PING" "last"')) return lines;
  }
}

describe('MONITOR', () => {
  it('streams every other client\'s commands as redis-server 7 does: quoted, escaped, admin commands left out, AUTH redacted', async () => {
    const commands = [
      ['SET', 'k', 'a "quoted" value\n\twith\\ controls'], ['GET', 'k'], ['SET', Buffer.from([0, 0xff, 0x41]), 'binary'],
      ['CONFIG', 'GET', 'maxclients'], ['AUTH', 'secret'], ['HELLO', '2', 'AUTH', 'default', 'secret'], ['DBSIZE'],
    ];
    const ours = await feed((await startServer()).port, commands);
    const theirs = await feed(await startRedisServer(), commands);
    assert.deepEqual(ours, theirs);
    assert.ok(ours.some((l) => l.includes('"(redacted)"')), 'AUTH is shown, its password is not');
    assert.ok(!ours.some((l) => l.includes('"CONFIG"')), 'admin commands are not shown');
  });
});
