import { strict as assert } from 'node:assert';
import { describe, it } from '@jest/globals';
import { ARGUMENT_OVERHEAD, ProtocolError, RequestDecoder } from '../../src/resp/RequestDecoder';
import { QueryBufferBudget } from '../../src/resp/QueryBufferBudget';

/** Feeds `input` whole and one byte at a time; both must give the same requests and error. */
function decodeBothWays(input: Buffer | string, setup: (d: RequestDecoder) => void = () => undefined) {
  const bytes = Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1');
  const results = [false, true].map((byteAtATime) => {
    const decoder = new RequestDecoder();
    setup(decoder);
    const requests: string[][] = [];
    let error: string | undefined;
    try {
      const feed = (b: Buffer) => decoder.push(b, (args) => requests.push(args.map((a) => a.toString('latin1'))));
      if (byteAtATime) for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1));
      else feed(bytes);
    } catch (e) {
      assert.ok(e instanceof ProtocolError);
      error = e.message;
    }
    return { requests, error };
  });
  assert.deepEqual(results[1], results[0], 'byte-at-a-time decoding differs from whole decoding');
  return results[0];
}

describe('RequestDecoder', () => {
  it('decodes arrays of bulk strings, pipelined', () => {
    const r = decodeBothWays('*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n');
    assert.deepEqual(r.requests, [['PING'], ['SET', 'k', 'hello']]);
    assert.equal(r.error, undefined);
  });

  it('keeps binary bulk strings intact, CR LF and NUL included', () => {
    const blob = Buffer.from([0, 13, 10, 255, 36, 42]);
    const input = Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$6\r\n'), blob, Buffer.from('\r\n')]);
    const r = decodeBothWays(input);
    assert.deepEqual(r.requests, [['ECHO', blob.toString('latin1')]]);
  });

  it('accepts empty bulk strings and ignores empty arrays', () => {
    const r = decodeBothWays('*0\r\n*-1\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n');
    assert.deepEqual(r.requests, [['ECHO', '']]);
  });

  it('decodes inline commands with quotes and escapes, LF or CRLF ended', () => {
    const r = decodeBothWays('PING\r\nSET "a b" \'c\\\'d\'\nECHO "\\x41\\n"\r\n\r\n');
    assert.deepEqual(r.requests, [['PING'], ['SET', 'a b', "c'd"], ['ECHO', 'A\n']]);
  });

  it('refuses unbalanced quotes in an inline command', () => {
    const r = decodeBothWays('PING\r\nSET "abc\r\n');
    assert.deepEqual(r.requests, [['PING']]);
    assert.equal(r.error, 'ERR Protocol error: unbalanced quotes in request');
  });

  it("refuses a nested array inside a request (expected '$')", () => {
    const r = decodeBothWays('*2\r\n$4\r\nECHO\r\n*1\r\n$1\r\na\r\n');
    assert.equal(r.error, "ERR Protocol error: expected '$', got '*'");
  });

  it('refuses bad multibulk and bulk lengths with Redis\'s texts', () => {
    assert.equal(decodeBothWays('*x\r\n').error, 'ERR Protocol error: invalid multibulk length');
    assert.equal(decodeBothWays('*2147483648\r\n').error, 'ERR Protocol error: invalid multibulk length');
    assert.equal(decodeBothWays('*1\r\n$-5\r\n').error, 'ERR Protocol error: invalid bulk length');
    assert.equal(decodeBothWays('*1\r\n$01\r\n').error, 'ERR Protocol error: invalid bulk length');
    assert.equal(decodeBothWays('*1\r\n$536870913\r\n').error, 'ERR Protocol error: invalid bulk length');
  });

  it('enforces the stricter limits before authentication', () => {
    const unauth = (d: RequestDecoder) => (d.authenticated = false);
    assert.equal(decodeBothWays('*11\r\n', unauth).error, 'ERR Protocol error: unauthenticated multibulk length');
    assert.equal(decodeBothWays('*1\r\n$16385\r\n', unauth).error, 'ERR Protocol error: unauthenticated bulk length');
    assert.equal(decodeBothWays('*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n', unauth).error, undefined);
  });

  it('refuses over-long inline requests and header lines', () => {
    assert.equal(decodeBothWays('A'.repeat(70000)).error, 'ERR Protocol error: too big inline request');
    assert.equal(decodeBothWays('*' + '1'.repeat(70000)).error, 'ERR Protocol error: too big mbulk count string');
    assert.equal(decodeBothWays('*1\r\n$' + '1'.repeat(70000)).error, 'ERR Protocol error: too big bulk count string');
  });

  it('honours a smaller proto-max-bulk-len and the query buffer limit', () => {
    const d = new RequestDecoder({ maxBulkLength: 10, maxQueryBuffer: 15 });
    assert.throws(() => d.push(Buffer.from('*1\r\n$11\r\n'), () => undefined), /invalid bulk length/);
    const q = new RequestDecoder({ maxBulkLength: 10, maxQueryBuffer: 15 });
    assert.throws(
      () => q.push(Buffer.from('*2\r\n$10\r\n0123456789\r\n$10\r\n'), () => undefined),
      (e: unknown) => e instanceof ProtocolError && e.reply === false,
    );
  });

  it('counts every argument against the query buffer limit, empty ones included', () => {
    const d = new RequestDecoder({ maxBulkLength: 10, maxQueryBuffer: 1000 });
    const flood = Buffer.concat([Buffer.from('*2000000000\r\n'), Buffer.from('$0\r\n\r\n'.repeat(100))]);
    assert.throws(() => d.push(flood, () => undefined), (e: unknown) => e instanceof ProtocolError && e.reply === false);
  });

  it('charges each argument what it holds in the heap, and gives the charge back when the request completes', () => {
    const budget = new QueryBufferBudget(() => 10 * ARGUMENT_OVERHEAD + 100);
    const a = new RequestDecoder({ maxBulkLength: 100, maxQueryBuffer: 1e9 }, undefined, budget);
    const got: Buffer[][] = [];
    a.push(Buffer.from('*3\r\n$0\r\n\r\n$0\r\n\r\n$3\r\nab'), (args) => got.push(args));
    assert.equal(budget.used, 3 * ARGUMENT_OVERHEAD + 3, 'an unfinished request holds its charge');
    a.push(Buffer.from('c\r\n'), (args) => got.push(args));
    assert.deepEqual(got.map((args) => args.map(String)), [['', '', 'abc']]);
    assert.equal(budget.used, 0, 'a complete request gives it back');
  });

  it('refuses the request that would pass the total of all clients, and a closed connection frees its share', () => {
    const budget = new QueryBufferBudget(() => 10 * ARGUMENT_OVERHEAD);
    const limits = { maxBulkLength: 100, maxQueryBuffer: 1e9 };
    const first = new RequestDecoder(limits, undefined, budget);
    const second = new RequestDecoder(limits, undefined, budget);
    first.push(Buffer.from('*100\r\n' + '$0\r\n\r\n'.repeat(6)), () => undefined);
    assert.throws(() => second.push(Buffer.from('*100\r\n' + '$0\r\n\r\n'.repeat(6)), () => undefined),
      (e: unknown) => e instanceof ProtocolError && e.reply === false && e.message === 'ERR Protocol error: total query buffer limit of all clients reached');
    second.release();
    assert.equal(budget.used, 6 * ARGUMENT_OVERHEAD, 'the refused request took nothing');
    first.release();
    assert.equal(budget.used, 0);
    const third = new RequestDecoder(limits, undefined, budget);
    const got: Buffer[][] = [];
    third.push(Buffer.from('*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n'), (args) => got.push(args));
    assert.equal(got.length, 1, 'once freed, others are served');
  });

  it('streams a bulk that spans reads into the destination it is given, and slices one that does not', () => {
    const target = Buffer.alloc(8);
    const asked: number[] = [];
    const d = new RequestDecoder(undefined, (_args, length) => {
      asked.push(length);
      return target;
    });
    const got: Buffer[][] = [];
    d.push(Buffer.from('*2\r\n$4\r\nECHO\r\n$8\r\nabcd'), (a) => got.push(a));
    d.push(Buffer.from('efgh\r\n'), (a) => got.push(a));
    assert.deepEqual(asked, [8]);
    assert.equal(got[0][1], target, 'the spanning bulk is the destination buffer itself');
    assert.equal(target.toString(), 'abcdefgh');
    const whole = Buffer.from('*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n');
    d.push(whole, (a) => got.push(a));
    assert.equal(got[1][1].buffer, whole.buffer, 'a bulk inside one read is a view of that read');
    assert.deepEqual(asked, [8]);
  });

  it('lets a socket fill the rest of a bulk in place, then goes on with the bytes after it', () => {
    const d = new RequestDecoder();
    const got: string[][] = [];
    const onRequest = (a: Buffer[]) => got.push(a.map((x) => x.toString('latin1')));
    d.push(Buffer.from('*2\r\n$4\r\nECHO\r\n$10\r\nabc'), onRequest);
    assert.equal(d.bulkRemaining, 7);
    const rest = d.bulkRest()!;
    assert.equal(rest.length, 7);
    // What a socket reading straight into the view does: writes there, then reports the count.
    rest.write('defg', 0, 'latin1');
    d.filled(4, onRequest);
    assert.equal(d.bulkRemaining, 3);
    assert.equal(got.length, 0);
    d.bulkRest()!.write('hij', 0, 'latin1');
    d.filled(3, onRequest);
    assert.equal(d.bulkRemaining, 0);
    assert.equal(d.bulkRest(), undefined);
    assert.deepEqual(got, [['ECHO', 'abcdefghij']]);
    // The CRLF after the bulk and the next request come through push again.
    d.push(Buffer.from('\r\n*1\r\n$4\r\nPING\r\n'), onRequest);
    assert.deepEqual(got, [['ECHO', 'abcdefghij'], ['PING']]);
    // Bytes reported past the bulk (or with none in progress) are a fault, never a silent overrun.
    d.push(Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nab'), onRequest);
    assert.throws(() => d.filled(4, onRequest), { message: 'ERR Protocol error: bytes read past the bulk string' });
    const idle = new RequestDecoder();
    assert.throws(() => idle.filled(1, onRequest), ProtocolError);
  });
});
