import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { commandTable } from '../../src/commands';
import { CommandIndex } from '../../src/commands/CommandIndex';

describe('finding a command by the bytes a request typed', () => {
  const table = commandTable();
  const index = new CommandIndex(table);
  const find = (typed: string | Buffer) => index.find(Buffer.isBuffer(typed) ? typed : Buffer.from(typed, 'latin1'))?.name;

  it('finds every command of the table in any ASCII case, as get(name.toLowerCase()) does', () => {
    for (const name of table.keys()) {
      assert.equal(find(name), table.get(name)!.name);
      assert.equal(find(name.toUpperCase()), table.get(name)!.name);
      assert.equal(find(name.replace(/./g, (c, i) => (i % 2 ? c.toUpperCase() : c))), table.get(name)!.name);
    }
  });

  it('finds nothing for a prefix, a longer name, an empty name or an unknown one', () => {
    assert.equal(find('ai.tensorge'), undefined);
    assert.equal(find('ai.tensorgets'), undefined);
    assert.equal(find(''), undefined);
    assert.equal(find('nosuchcommand'), undefined);
    // Only A-Z fold: '@' (0x40) and '`' (0x60) sit next to them and must not.
    assert.equal(find('@I.TENSORGET'), undefined);
    assert.equal(find('`i.tensorget'), undefined);
  });

  it('leaves names with bytes past ASCII to the table (whose lower-casing folds Latin-1 letters too)', () => {
    const latin = new Map(table);
    latin.set('caf\u00e9', table.get('ping')!);
    const withLatin = new CommandIndex(latin);
    assert.equal(withLatin.find(Buffer.from('CAF\u00c9', 'latin1'))?.name, 'ping');
    assert.equal(withLatin.find(Buffer.from([0xff, 0x41])), undefined);
  });
});
