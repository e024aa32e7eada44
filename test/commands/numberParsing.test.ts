// The byte-level fast paths for numbers (tensor VALUES, counts) must give exactly what Redis's
// text rules give, or decline: a value they compute is strtod's / string2ll's, bit for bit.
import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { parseDouble, parseSafeInteger, plainDecimal, plainInteger } from '../../src/util/redisNumbers';

// A fixed-seed generator, so a failure names a reproducible input.
function* randomTexts(seed: number, count: number): Generator<string> {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(next() * 10))).join('');
  for (let i = 0; i < count; i++) {
    const sign = ['', '-', '+'][Math.floor(next() * 3)];
    const whole = digits(Math.floor(next() * 9));
    const fraction = next() < 0.6 ? `.${digits(Math.floor(next() * 12))}` : '';
    yield `${sign}${whole}${fraction}`;
  }
}

const EDGES = ['0', '-0', '+0', '00', '01', '-01', '1.', '.5', '-.5', '.', '-', '+', '', '1.5.', '1e5', '0x10', ' 1', '1 ', 'inf',
  '999999999999999', '9999999999999999', '-999999999999999', '0.000000000000001', '123456789012345.', '1.23456789012345',
  '3.14159', '0.1', '0.2', '0.3', '2.5', '-7.125'];

describe('number fast paths', () => {
  it('a plain decimal read from its bytes is exactly strtod\'s double, and anything else is left to the text path', () => {
    for (const text of [...EDGES, ...randomTexts(7, 20000)]) {
      const fast = plainDecimal(Buffer.from(text, 'latin1'));
      if (fast === undefined) continue;
      assert.ok(Object.is(fast, parseDouble(text)), `${JSON.stringify(text)}: ${fast} vs ${parseDouble(text)}`);
      assert.equal(Math.fround(fast), Math.fround(parseDouble(text)!), `${JSON.stringify(text)} as FLOAT`);
    }
    assert.equal(plainDecimal(Buffer.from('0.1')), 0.1);
    assert.equal(plainDecimal(Buffer.from('1e5')), undefined, 'exponents take the text path');
  });

  it('a plain integer read from its bytes is string2ll\'s, and leading zeros, "-0" and signs are the text path\'s to refuse', () => {
    for (const text of [...EDGES, ...randomTexts(11, 20000)]) {
      const fast = plainInteger(Buffer.from(text, 'latin1'));
      if (fast === undefined) continue;
      assert.ok(Object.is(fast, parseSafeInteger(text)), `${JSON.stringify(text)}: ${fast} vs ${parseSafeInteger(text)}`);
    }
    for (const refused of ['-0', '01', '+1', '']) assert.equal(plainInteger(Buffer.from(refused)), undefined, refused);
    assert.equal(plainInteger(Buffer.from('-42')), -42);
  });
});
