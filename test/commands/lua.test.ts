// EVAL scripting: Redis's own behaviour compared reply for reply with a real redis-server 7 (the
// texts of every refusal and error, conversions both ways, the sandbox), then what only this
// server has: RedisAI's commands inside scripts, bytes through scripts, the time limit, the log.
import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from '@jest/globals';
import { fixture } from '../helpers/fixtures';
import { Parsed, RawClient } from '../helpers/RawClient';
import { startRedisServer, startServer } from '../helpers/servers';

const show = (r: Parsed): unknown => (r instanceof Error ? `error: ${r.message}` : Array.isArray(r) ? r.map(show) : r);
const message = (reply: Parsed) => (reply instanceof Error ? reply.message : `not an error: ${JSON.stringify(reply)}`);

/** Starts as precompiled Lua does (ESC "Lua"): neither server may load it. */
const BYTECODE = Buffer.concat([Buffer.from([0x1b]), Buffer.from('LuaQ\0\x01\x04\x08\x04\x08\0', 'latin1')]);

/** Scripts whose every reply (and effect) must be redis-server's. */
const SAME_AS_REDIS: Array<Array<string | number | Buffer>> = [
  ['EVAL', "return redis.call('set', KEYS[1], ARGV[1])", 1, 'k', 'v'],
  ['EVAL', "return redis.call('get', KEYS[1])", 1, 'k'],
  ['EVAL', "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", 2, 'a', 'b', 'c', 'd'],
  ['EVAL', "return redis.call('get', 'missing')", 0],
  ['EVAL', "return {redis.call('get', 'missing'), 1}", 0],
  ['EVAL', "return {1, 2, {3, 'x'}, nil, 4}", 0],
  ['EVAL', 'local t = {} t[1] = 1 t[3] = 3 return t', 0],
  ['EVAL', 'return {1, 2.7, -2.7, "x", true, false}', 0],
  ['EVAL', 'return 3.99', 0], ['EVAL', 'return -3.99', 0], ['EVAL', 'return 1e30', 0], ['EVAL', 'return 0/0', 0],
  ['EVAL', 'return true', 0], ['EVAL', 'return false', 0], ['EVAL', 'return nil', 0], ['EVAL', 'return', 0],
  ['EVAL', "return {ok = 'FINE'}", 0], ['EVAL', "return {err = 'MYERR custom'}", 0], ['EVAL', "return {err = 'two\\nlines'}", 0],
  ['EVAL', 'return {ok = 1}', 0], ['EVAL', 'return {err = 1}', 0],
  ['EVAL', "return redis.status_reply('FINE')", 0], ['EVAL', "return redis.error_reply('My Error')", 0],
  ['EVAL', "return redis.error_reply('foo')", 0], ['EVAL', "return redis.error_reply('-CODE text')", 0],
  ['EVAL', 'return redis.status_reply()', 0], ['EVAL', 'return redis.error_reply(1)', 0],
  ['EVAL', "return redis.call('ping')", 0], ['EVAL', "return redis.pcall('ping')", 0], ['EVAL', "local t = redis.call('ping') return t.ok", 0],
  ['EVAL', "return redis.call('set', 'n', 3.5)", 0], ['GET', 'n'], ['EVAL', "return redis.call('set', 'n', 1e20)", 0], ['GET', 'n'],
  ['EVAL', "return redis.call('set', 'n', 0.1)", 0], ['GET', 'n'],
  ['EVAL', "return redis.call('incr', 'k')", 0], ['EVAL', "return redis.pcall('incr', 'k')", 0],
  ['EVAL', "return type(redis.pcall('incr', 'k'))", 0], ['EVAL', "return redis.pcall('incr', 'k')['err']", 0],
  ['EVAL', "return redis.call('nosuch')", 0], ['EVAL', 'return redis.call()', 0], ['EVAL', 'return redis.pcall()', 0],
  ['EVAL', "return redis.call('get')", 0], ['EVAL', "return redis.call('multi')", 0], ['EVAL', "return redis.call('eval', 'return 1', 0)", 0],
  ['EVAL', "return redis.call('get', {})", 0], ['EVAL', "return redis.call('set', 'x', nil)", 0],
  ['EVAL_RO', "return redis.call('set', 'a', 'b')", 1, 'a'], ['EVAL_RO', "return redis.call('get', 'k')", 1, 'k'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set', 'a', 'b')", 0], ['EVAL', "#!lua\nreturn 1", 0],
  ['EVAL', '#!js\nreturn 1', 0], ['EVAL', '#!lua\r\nreturn 1', 0], ['EVAL', '#!lua flags=no-writes\r\nreturn 2', 0], ['EVAL', '#!lua', 0], ['EVAL', '#!lua\tflags=no-writes\nreturn 3', 0], ['EVAL', '#!lua flags=bogus\nreturn 1', 0], ['EVAL', '#!lua name=x\nreturn 1', 0],
  ['EVAL', "error('boom')", 0], ['EVAL', 'error({err = "TABLE err"})', 0], ['EVAL', "local x = 'a' + 1", 0],
  ['EVAL', 'x = 1', 0], ['EVAL', 'return y', 0], ['EVAL', '_G.x = 1', 0], ['EVAL', 'redis.call = nil', 0], ['EVAL', 'redis = nil', 0],
  ['EVAL', "loadstring('redis = nil')()", 0], ['EVAL', "rawset(_G, 'x', 1)", 0], ['EVAL', 'string.rep = nil', 0], ['EVAL', "rawset(redis, 'call', nil)", 0],
  ['EVAL', "loadstring('x = 1')()", 0], ['EVAL', "local t = {} table.insert(t, 'a') rawset(t, 'b', 2) return {t[1], t.b, rawset({}, 1, 2)[1]}", 0],
  ['EVAL', 'return rawset()', 0], ['EVAL', "return loadstring('return KEYS[1]')()", 1, 'kk'], ['EVAL', 'return _G.redis ~= nil', 0],
  ['EVAL', "return ('x'):rep(3)", 0], ['EVAL', 'KEYS = {}', 0], ['EVAL', 'return type(_G)', 0], ['EVAL', "return redis.call('ping')", 0],
  ['EVAL', 'return os', 0], ['EVAL', 'return io', 0], ['EVAL', 'return debug', 0], ['EVAL', 'return print', 0], ['EVAL', 'return setfenv', 0],
  ['EVAL', 'return loadfile', 0], ['EVAL', 'return require', 0],
  ['EVAL', 'return {type(loadstring), type(unpack), type(pcall), type(string.rep), type(table.concat), type(math.floor), type(coroutine)}', 0],
  ['EVAL', "return pcall(function() error({err = 'x'}) end)", 0],
  ['EVAL', "local ok, e = pcall(redis.call, 'incr', 'k') return e.err", 0],
  ['EVAL', "return redis.sha1hex('')", 0], ['EVAL', "return redis.sha1hex('abc')", 0], ['EVAL', 'return redis.sha1hex()', 0],
  ['EVAL', "return redis.log(redis.LOG_WARNING, 'from a test')", 0], ['EVAL', 'return redis.log(99, "x")', 0], ['EVAL', 'return redis.log(1)', 0],
  ['EVAL', 'return redis.replicate_commands()', 0], ['EVAL', 'return redis.set_repl(redis.REPL_ALL)', 0], ['EVAL', 'return redis.set_repl(99)', 0],
  ['EVAL', 'return redis.setresp(4)', 0], ['EVAL', 'return redis.setresp(2)', 0],
  ['EVAL', 'return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING, redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_ALL}', 0],
  ['EVAL', "KEYS[1] = 'z' return KEYS[1]", 1, 'a'],
  ['EVAL', "return string.format('%d-%s', 7, 'x')", 0], ['EVAL', "return tostring(0.1)", 0],
  ['EVAL', "redis.call('rpush', 'list', 'a', 'b') return redis.call('lrange', 'list', 0, -1)", 0],
  ['EVAL', "redis.call('hset', 'h', 'f', 'v') return redis.call('hgetall', 'h')", 0],
  ['EVAL', "return redis.call('exists', 'nokey', 'k')", 0],
  // bit (LuaBitOp) and cjson (lua-cjson), as Redis loads them.
  ['EVAL', 'return {bit.tobit(0xffffffff), bit.tobit(2^32+5), bit.tohex(255), bit.tohex(-1, -4), bit.tohex(255, 2), bit.tohex(1, 10), bit.tohex(1, 0), bit.band(0xff, 0x0f, 0x3), bit.bor(1,2,4), bit.bxor(5,1), bit.bnot(0)}', 0],
  ['EVAL', "return {bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 4), bit.ror(0x12345678, 4), bit.bswap(0x12345678), bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.lshift(1, 33), bit.band('12')}", 0],
  ['EVAL', 'return bit.band()', 0], ['EVAL', "return bit.band('x')", 0], ['EVAL', 'bit.band = nil', 0],
  ['EVAL', "return cjson.encode({1, 2, 'a/b', {x = 1}, {}, true, false, 1.5, 1e20, 0.1, 123456789012345, -0.0, 1/3, 12345678901234.5, 1e-5, 0.0001})", 0],
  ['EVAL', "return cjson.encode({[1] = 1, [3] = 3})", 0], ['EVAL', 'return cjson.encode({[1] = 1, [20] = 3})', 0], ['EVAL', "return cjson.encode({[1] = 1, a = 2})", 0],
  ['EVAL', "return cjson.encode({a = '\"\\\\\\n\\r\\t\\b\\f\\1\\127\\200'})", 0], ['EVAL', "return cjson.encode({a = 1, b = 2, c = 3, d = {1, 2}, [1.5] = 1})", 0],
  ['EVAL', 'return {cjson.encode(cjson.null), cjson.encode(nil)}', 0], ['EVAL', 'return cjson.encode(0/0)', 0], ['EVAL', 'return cjson.encode(function() end)', 0],
  ['EVAL', 'return cjson.encode({[true] = 1})', 0], ['EVAL', 'return cjson.encode()', 0], ['EVAL', 'return cjson.encode(1, 2)', 0],
  ['EVAL', 'local t = {} for i = 1, 1001 do t = {t} end return cjson.encode(t)', 0],
  ['EVAL', "local t = cjson.decode(ARGV[1]) return {t.a[1], t.a[2], type(t.a[3]), t.a[4].b, tostring(t.c), #t.a, t.a[3] == cjson.null}", 0, '{"a":[1,2,null,{"b":"x\\u00e9\\ud83d\\ude00\\/\\n"}],"c":true}'],
  ['EVAL', 'return cjson.encode(cjson.decode(ARGV[1]))', 0, '[0x10, 007, 1., 1e2, -0.5, 12345678901234567890, 3.14159265358979, +3, "\\"q\\""]'],
  ...['[1,', 'x', '', '1 2', '{"a":}', '"abc', 'tru', '[1 2]', '{1:2}', '{"a" 2}', '{"a":1 "b"}', '["\\q"]', '["\\ud800"]', '[.5]', '[1,]', '[-inf]', '[nan]', '[1e]', '{"a":1,}', '[', '"\\u12"']
    .map((json) => ['EVAL', 'return cjson.encode(cjson.decode(ARGV[1]))', 0, json]),
  ['EVAL', "return cjson.decode(string.rep('[', 1001))", 0], ['EVAL', 'return cjson.decode(1)', 0], ['EVAL', 'return cjson.decode({})', 0],
  ['EVAL', "return cjson.decode('[1, 2, 3]')", 0], ['EVAL', "return type(cjson.decode('null'))", 0],
  ['EVAL', "return setmetatable({}, {__index = function() error('x') end})", 0],
  // cmsgpack (lua-cmsgpack), as Redis loads it.
  ["EVAL", "return cmsgpack.pack({1,2,3}, 'abc', 1.5, 0.1, -1, -33, -129, 128, 256, 65536, 2^32, -2^31-1, true, false, nil, {a=1}, {}, 1e300, 2^63, -2^63, 0/0, 1/0, -0.0, string.rep('x', 40), string.rep('y', 300))", 0],
  ["EVAL", "return cmsgpack.pack()", 0],
  ["EVAL", "local a,b,c = cmsgpack.unpack(cmsgpack.pack(1,'x',{1,{a=2}})) return {a, b, c[1], c[2].a}", 0],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('c1', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('a56162', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('c4026162', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('9201', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('cfffffffffffffffff', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('d3800000000000000001cb3fb999999999999a', 'hex')],
  ["EVAL", "return cmsgpack.unpack(ARGV[1]).a", 0, Buffer.from('82a16102a16203', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('82c001a16102', 'hex')],
  ["EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3))}", 0],
  ["EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 1)}", 0],
  ["EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1,2,3), 2)}", 0],
  ["EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2)}", 0],
  ["EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 0)}", 0],
  ["EVAL", "return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), -1)}", 0],
  ["EVAL", "return {cmsgpack.unpack_one(cmsgpack.pack(1), 5)}", 0],
  ["EVAL", "return {cmsgpack.unpack()}", 0],
  ["EVAL", "return {cmsgpack.unpack({})}", 0],
  ["EVAL", "return cmsgpack.pack({['1']=1,['2']=2})", 0],
  ["EVAL", "local t = {} for i=1,20 do t = {t} end return cmsgpack.pack(t)", 0],
  ["EVAL", "return {cmsgpack.unpack('')}", 0],
  ["EVAL", "return cmsgpack.pack(function() end)", 0],
  ["EVAL", "return cmsgpack.pack({[1]=1,[3]=3})", 0],
  ["EVAL", "return cmsgpack.pack({[1.5]=1})", 0],
  ["EVAL", "local t = {} for i=1,20 do t[i]=i end return cmsgpack.pack(t)", 0],
  ["EVAL", "local message = cmsgpack.unpack(ARGV[1]) return 'hello ' .. message['name']", 0, Buffer.from('81a46e616d65a34a6f65', 'hex')],
  ["EVAL", "return cmsgpack.unpack(ARGV[1])", 0, Buffer.from('81a46e616d65', 'hex')],
  ["EVAL", "cmsgpack.pack = nil", 0],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('dc00020102de0001a16bc3', 'hex')],
  ["EVAL", "return {cmsgpack.unpack(ARGV[1])}", 0, Buffer.from('d903616263da00017a', 'hex')],
  ["EVAL", "return cmsgpack._VERSION", 0],
  // struct, as Redis loads it.
  ["EVAL", "return struct.pack('>I', 258)", 0],
  ["EVAL", "return struct.pack('<I', 258)", 0],
  ["EVAL", "return struct.pack('bBhHlLTiI', -1, 255, -2, 65535, -3, 7, 8, -4, 5)", 0],
  ["EVAL", "return struct.pack('i3', 70000)", 0],
  ["EVAL", "return struct.pack('>i3', -2)", 0],
  ["EVAL", "return struct.pack('f d', 1.5, 0.1)", 0],
  ["EVAL", "return struct.pack('>f>d', 1.5, 0.1)", 0],
  ["EVAL", "return struct.pack('s', 'abc')", 0],
  ["EVAL", "return struct.pack('c5', 'abcdefg')", 0],
  ["EVAL", "return struct.pack('c0', 'abcdefg')", 0],
  ["EVAL", "return struct.pack('c5', 'ab')", 0],
  ["EVAL", "return struct.pack('x b x', 1)", 0],
  ["EVAL", "return struct.pack('!4 b i', 1, 2)", 0],
  ["EVAL", "return struct.pack('!b d', 1, 2)", 0],
  ["EVAL", "return struct.pack('!3 b', 1)", 0],
  ["EVAL", "return struct.pack('z', 1)", 0],
  ["EVAL", "return struct.pack('i40', 1)", 0],
  ["EVAL", "return struct.pack('i', 'x')", 0],
  ["EVAL", "return struct.pack('i')", 0],
  ["EVAL", "return struct.pack()", 0],
  ["EVAL", "return struct.pack('i', '12')", 0],
  ["EVAL", "return struct.pack('B', 256)", 0],
  ["EVAL", "return struct.pack('b', -129)", 0],
  ["EVAL", "return struct.pack('I', 2^40)", 0],
  ["EVAL", "return struct.pack('i', 1.9)", 0],
  ["EVAL", "return {struct.unpack('>I', struct.pack('>I', 258))}", 0],
  ["EVAL", "return {struct.unpack('bBhH', struct.pack('bBhH', -1, 255, -2, 65535))}", 0],
  ["EVAL", "return {struct.unpack('i3', struct.pack('i3', -70000))}", 0],
  ["EVAL", "return {struct.unpack('s s', 'ab\\0cd\\0')}", 0],
  ["EVAL", "return {struct.unpack('s', 'ab')}", 0],
  ["EVAL", "return {struct.unpack('b c0', struct.pack('b', 3) .. 'xyzw')}", 0],
  ["EVAL", "return {struct.unpack('c0', 'xyz')}", 0],
  ["EVAL", "return {struct.unpack('c2 c2', 'abcd')}", 0],
  ["EVAL", "return {struct.unpack('I', 'ab')}", 0],
  ["EVAL", "return {struct.unpack('b', 'ab', 2)}", 0],
  ["EVAL", "return {struct.unpack('b', 'ab', 5)}", 0],
  ["EVAL", "return {struct.unpack('b', 'ab', 0)}", 0],
  ["EVAL", "return {struct.unpack('!4 b i', struct.pack('!4 b i', 1, 2))}", 0],
  ["EVAL", "return {struct.unpack('>f', struct.pack('>f', 1.5))}", 0],
  ["EVAL", "return {struct.unpack('d', struct.pack('d', 0.1))}", 0],
  ["EVAL", "return {struct.unpack('z', 'abc')}", 0],
  ["EVAL", "return {struct.unpack('L', struct.pack('L', -1))}", 0],
  ["EVAL", "return {struct.unpack('l', struct.pack('l', -5))}", 0],
  ["EVAL", "return struct.size('bhilfd')", 0],
  ["EVAL", "return struct.size('!8 b d')", 0],
  ["EVAL", "return struct.size('s')", 0],
  ["EVAL", "return struct.size('c0')", 0],
  ["EVAL", "return struct.size('c3 x z')", 0],
  ["EVAL", "return struct.size('>')", 0],
  ["EVAL", "return struct.size('#')", 0],
  ["EVAL", "return struct.size()", 0],
  ["EVAL", "return struct.pack('i99999999999', 1)", 0],
  ["EVAL", "struct.pack = nil", 0],
  // The sandbox's edges (from review): see-through reads of the read-only tables, the string metatable,
  // loadstring/load and bytecode, UTF-8 in errors, typed reply tables, commands scripts may not call.
  ["EVAL", "local n = 0 for k in pairs(_G) do n = n + 1 end return n", 0],
  ["EVAL", "local n = 0 for k in pairs(string) do n = n + 1 end return n", 0],
  ["EVAL", "local n = 0 for k in pairs(redis) do n = n + 1 end return n", 0],
  ["EVAL", "return rawget(_G, 'redis') ~= nil", 0],
  ["EVAL", "return type(rawget(string, 'rep'))", 0],
  ["EVAL", "local n = 0 for k, v in next, redis do n = n + 1 end return n", 0],
  ["EVAL", "local n = 0 for i, v in ipairs({1,2,3}) do n = n + v end return n", 0],
  ["EVAL", "getmetatable('').__index.upper = function() return 'pwned' end", 0],
  ["EVAL", "getmetatable('').__index = nil", 0],
  ["EVAL", "return ('x'):upper()", 0],
  ["EVAL", "return type(getmetatable(''))", 0],
  ["EVAL", "setmetatable(_G, {})", 0],
  ["EVAL", "error('caf\\195\\169')", 0],
  ["EVAL", "return redis.error_reply('caf\\195\\169')", 0],
  ["EVAL", "return {err='caf\\195\\169'}", 0],
  ["EVAL", "return redis.status_reply('caf\\195\\169')", 0],
  ["EVAL", "return loadstring('return 1 + 1')()", 0],
  ["EVAL", "return {loadstring('return +')}", 0],
  ["EVAL", "return loadstring()", 0],
  ["EVAL", "return {loadstring('x', 'name')}", 0],
  ["EVAL", "local parts = {'return ', '40 + 2'} local i = 0 return load(function() i = i + 1 return parts[i] end)()", 0],
  ["EVAL", "return load()", 0],
  ["EVAL", "return loadstring(ARGV[1])()", 0, BYTECODE],
  ["EVAL", "return {loadstring(ARGV[1])}", 0, BYTECODE],
  ["EVAL", "return rawget()", 0],
  ["EVAL", "return rawget({})", 0],
  ["EVAL", "return next({})", 0],
  ["EVAL", "return next(1)", 0],
  ["EVAL", "return pairs()", 0],
  ["EVAL", "return ipairs(nil)", 0],
  ["EVAL", "return redis.log('1', 'x')", 0],
  ["EVAL", "return redis.setresp()", 0],
  ["EVAL", "return redis.set_repl()", 0],
  ["EVAL", "return {double=3.5}", 0],
  ["EVAL", "return {map={a=1}}", 0],
  ["EVAL", "return {set={a=true}}", 0],
  ["EVAL", "return {big_number='123'}", 0],
  ["EVAL", "return redis.call('set', 'n', 0/0)", 0],
  ["EVAL", "return redis.call('get', 'n')", 0],
  ["EVAL", "return redis.call('hello', 3)", 0],
  ["EVAL", "return redis.call('client', 'setname', 'x')", 0],
  ["EVAL", "return redis.call('auth', 'x')", 0],
  ["EVAL", "return redis.call('quit')", 0],
  // From the second review: views known by identity, ipairs' step, load's reader under pcall, chunk names, metatables.
  ["EVAL", "local t=setmetatable({}, {__readonly=true, __index=1e300}) return {next(t)}", 0],
  ["EVAL", "local t=setmetatable({}, {__readonly=true, __index='abc'}) return {next(t)}", 0],
  ["EVAL", "local t=setmetatable({}, {__readonly=true, __index={1,2}}) return rawget(t,1)", 0],
  ["EVAL", "local t=setmetatable({}, {__readonly=true}) return rawset(t, 'a', 1).a", 0],
  ["EVAL", "local f=ipairs({}) return {pcall(f, 1e300, 0)}", 0],
  ["EVAL", "local f=ipairs({}) return {pcall(f, 'abcdefgh', 0)}", 0],
  ["EVAL", "local f=ipairs({}) return {pcall(f, nil, 0)}", 0],
  ["EVAL", "return {pcall(load, function() error('boom') end)}", 0],
  ["EVAL", "local co = coroutine.create(function() return load(function() coroutine.yield() end) end) return {coroutine.resume(co)}", 0],
  ["EVAL", "return {load(function() return nil end, nil)}", 0],
  ["EVAL", "local n = 0 return {load(function() n = n + 1 if n == 1 then return 42 end end)}", 0],
  ["EVAL", "return {loadstring('x +', string.rep('n', 63))}", 0],
  ["EVAL", "return {loadstring('x +', '@' .. string.rep('f', 80))}", 0],
  ["EVAL", "return {loadstring('x +', 'abc\\rdef')}", 0],
  ["EVAL", "return {loadstring('x +', 'a\\0b')}", 0],
  ["EVAL", "return {loadstring(ARGV[1], 'named')}", 0, BYTECODE],
  ["EVAL", "return {loadstring(ARGV[1])}", 0, BYTECODE],
  ["EVAL", "return getmetatable(string)", 0],
  ["EVAL", "return getmetatable(redis)", 0],
  ["EVAL", "return getmetatable(_G)", 0],
  ["EVAL", "return type(getmetatable(''))", 0],
  ["EVAL", "return getmetatable(setmetatable({}, {__metatable='locked'}))", 0],
  ["EVAL", "return type(getmetatable(setmetatable({}, {})))", 0],
  ["EVAL", "getmetatable('').__index.upper = function() return 'x' end", 0],
  ["EVAL", "getmetatable('').__index = nil", 0],
  ["EVAL", "return ('ab'):upper()", 0],
  ["EVAL", "local n = 0 for k in pairs(_G) do n = n + 1 end return n", 0],
  ["EVAL", "local n = 0 for i, v in ipairs(KEYS) do n = n + 1 end return n", 0],
  ["EVAL", "return {ipairs(nil)}", 0],
  ["EVAL", "return {next(redis)} ~= nil", 0],
  ['EVAL', BYTECODE, 0],
  ['EVAL', 'return 1 +', 0], ['EVAL', 'return 1', -1], ['EVAL', 'return 1', 2, 'a'], ['EVAL', 'return 1', 'x'],
  ['EVALSHA', 'abc', 0], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 0],
  ['SCRIPT', 'LOAD', 'return 1'], ['SCRIPT', 'LOAD', 'return 1 +'], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 0],
  ['EVALSHA', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB', 0], ['EVALSHA_RO', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 0],
  ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'abc', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB'],
  ['SCRIPT', 'FLUSH', 'bogus'], ['SCRIPT', 'FLUSH'], ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
  ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 0], ['SCRIPT', 'FLUSH', 'ASYNC'],
  ['SCRIPT', 'KILL'], ['SCRIPT', 'NOPE'], ['SCRIPT', 'LOAD'], ['SCRIPT', 'EXISTS'], ['EVAL', 'return 1'],
  ['MULTI'], ['EVAL', "return redis.call('set', 'in-multi', '1')", 0], ['EVAL', 'return 2', 0], ['EXEC'], ['GET', 'in-multi'],
];

describe('EVAL scripting', () => {
  it("behaves as redis-server's: replies, conversions, errors, the sandbox, SCRIPT", async () => {
    // Buffers, not strings: binary replies (cmsgpack.pack) must match byte for byte.
    const [ours, theirs] = await Promise.all([(await startServer()).port, await startRedisServer()].map((p) => RawClient.connect(p, { returnBuffers: true })));
    for (const command of SAME_AS_REDIS) {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      assert.deepEqual(show(a), show(b), command.join(' '));
    }
    // Writes made before an error stay, as in Redis.
    for (const c of [ours, theirs]) {
      assert.match(message(await c.call('EVAL', "redis.call('set', 'partial', 'kept') error('late')", 0)), /^ERR user_script:1: late script: /);
      assert.equal(String(await c.call('GET', 'partial')), 'kept');
    }
    await Promise.all([ours.close(), theirs.close()]);
  });

  it("past maxmemory, and in errorstats, as redis-server: a script that has written is let finish, allow-oom, shebang scripts refused, MULTI", async () => {
    const [ours, theirs] = await Promise.all([(await startServer()).port, await startRedisServer()].map((p) => RawClient.connect(p)));
    const sequence: Array<Array<string | number>> = [
      ['SET', 'x', '1'], ['EVAL', "redis.call('hset', 'x', 'a', 'b')", 0], ['EVAL', "return redis.pcall('hget', 'x', 'a')", 0],
      ['EVAL', "return redis.call('nosuch')", 0], ['CONFIG', 'SET', 'maxmemory', '1'],
      ['EVAL', "redis.call('del', 'zz') return redis.call('set', 'oom3', 'v')", 0],
      ['EVAL', "#!lua flags=allow-oom\nreturn redis.call('set', 'oom2', 'v')", 0], ['EVAL', '#!lua\nreturn 1', 0],
      ['EVAL', "return redis.call('set', 'x', 'y')", 0], ['EVAL', "return redis.pcall('set', 'x', 'y')", 0],
      ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'x')", 0], ['EVAL_RO', "return redis.call('get', 'x')", 0],
      ['MULTI'], ['GET', 'x'], ['EXEC'], ['MULTI'], ['DISCARD'], ['CONFIG', 'SET', 'maxmemory', '0'], ['GET', 'oom3'], ['GET', 'oom2'],
    ];
    for (const command of sequence) {
      const [a, b] = await Promise.all([ours.call(...command), theirs.call(...command)]);
      assert.deepEqual(show(a), show(b), command.join(' '));
    }
    // An error a command inside the script made is counted once, not again for the script's reply.
    const errorstats = async (c: RawClient) => String(await c.call('INFO', 'errorstats')).split('\r\n').filter((l) => l.startsWith('errorstat_')).sort();
    assert.deepEqual(await errorstats(ours), await errorstats(theirs));
    await Promise.all([ours.close(), theirs.close()]);
  });

  it("passes bytes through unchanged, both ways, and runs RedisAI's synchronous commands", async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port, { returnBuffers: true });
    const blob = Buffer.from([0, 255, 13, 10, 0, 128, 63, 7]);
    assert.equal(String(await c.call('EVAL', "return redis.call('AI.TENSORSET', KEYS[1], 'UINT8', 8, 'BLOB', ARGV[1])", 1, 't', blob)), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 't', 'BLOB'), blob);
    assert.deepEqual(await c.call('EVAL', "return redis.call('AI.TENSORGET', KEYS[1], 'BLOB')", 1, 't'), blob);
    assert.deepEqual(await c.call('EVAL', 'return ARGV[1] .. ARGV[1]', 0, blob), Buffer.concat([blob, blob]));
    await c.call('AI.TENSORSET', 'f', 'FLOAT', 2, 'VALUES', 1, 2.5);
    assert.deepEqual((await c.call('EVAL', "return redis.call('AI.TENSORGET', 'f', 'VALUES')", 0) as Buffer[]).map(String), ['1', '2.5']);
    assert.deepEqual((await c.call('EVAL', "return redis.call('AI.TENSORGET', 'f', 'META')", 0) as Buffer[]).map((x) => (Array.isArray(x) ? x : String(x))),
      ['dtype', 'FLOAT', 'shape', [2]]);
    assert.equal(String(await c.call('EVAL', "return redis.call('TYPE', 't').ok", 0)), 'AI_TENSOR');
    await c.close();
  });

  it("refuses RedisAI's execution commands with RedisAI's text, and commands that would wait for a device (deviation 14)", async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    await c.call('AI.MODELSTORE', 'm', 'TORCH', 'CPU', 'BLOB', fixture('pt-minimal.pt'));
    await c.call('AI.TENSORSET', 'a', 'FLOAT', 2, 2, 'VALUES', 2, 3, 2, 3);
    const noMulti = 'ERR Cannot run RedisAI command within a transaction or a LUA script';
    // redis.pcall returns the command's error; RedisAI's tests expect exactly this text.
    assert.equal(message(await c.call('EVAL', "return redis.pcall('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'b')", 0)), noMulti);
    assert.match(message(await c.call('EVAL', "return redis.call('AI.MODELRUN', 'm', 'INPUTS', 'a', 'a', 'OUTPUTS', 'b')", 0)), new RegExp(`^${noMulti} script: [0-9a-f]{40}, on @user_script:1\\.$`));
    for (const body of ["return redis.pcall('AI.DAGEXECUTE', '|>', 'AI.TENSORGET', 'a', 'META')", "return redis.pcall('AI.SCRIPTEXECUTE', 's', 'f', 'INPUTS', 1, 'a')"]) {
      assert.equal(message(await c.call('EVAL', body, 0)), noMulti, body);
    }
    assert.equal(message(await c.call('EVAL', "return redis.pcall('AI.MODELSTORE', 'm2', 'TORCH', 'CPU', 'BLOB', 'x')", 0)),
      'ERR AI.MODELSTORE cannot be called from a Lua script: it waits for a device thread');
    assert.equal(await c.call('EXISTS', 'b', 'm2'), 0);
    // The model is untouched and still runs outside scripts.
    assert.equal(await c.call('AI.MODELEXECUTE', 'm', 'INPUTS', 2, 'a', 'a', 'OUTPUTS', 1, 'b'), 'OK');
    assert.deepEqual(await c.call('AI.TENSORGET', 'b', 'VALUES'), ['4', '6', '4', '6']);
    await c.close();
  });

  it('stops a script that runs past busy-reply-threshold, keeps what it wrote, and serves on (deviation 14)', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    assert.equal(await c.call('CONFIG', 'SET', 'busy-reply-threshold', '200'), 'OK');
    assert.match(message(await c.call('EVAL', "redis.call('set', 'before', '1') while true do end", 0)),
      /^ERR Script ran longer than busy-reply-threshold \(200 ms\) and was stopped .* script: [0-9a-f]{40}, on @user_script:1\.$/);
    assert.equal(await c.call('GET', 'before'), '1');
    // A script that catches the stop with pcall is stopped all the same.
    assert.match(message(await c.call('EVAL', 'while true do pcall(function() while true do end end) end', 0)), /^ERR Script ran longer than busy-reply-threshold/);
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('EVAL', 'return 5', 0), 5);
    await c.close();
  });

  it("writes reach the append-only log as their effects: a restart finds them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stormbreaker-lua-'));
    const persistence = { dir, appendonly: true, appendfsync: 'always' as const };
    const first = await startServer({ persistence });
    const c = await RawClient.connect(first.port);
    assert.equal(await c.call('EVAL', "redis.call('set', KEYS[1], ARGV[1]) redis.call('AI.TENSORSET', KEYS[2], 'FLOAT', 2, 'VALUES', 1, 2) return redis.call('incrby', KEYS[3], 5)",
      3, 's', 't', 'n', 'value'), 5);
    await c.close();
    await first.server.close();
    await first.server.persistence?.shutdown(false);
    // One unit in the log, as Redis writes a script: a log cut mid-way replays all of it or none.
    const logged = fs.readFileSync(path.join(dir, 'appendonly.aof'), 'latin1');
    assert.match(logged, /^\*1\r\n\$5\r\nMULTI\r\n\*3\r\n\$3\r\nSET\r\n\$1\r\ns\r\n.*AI\.TENSORSET.*\*1\r\n\$4\r\nEXEC\r\n$/s);
    const second = await startServer({ persistence });
    const d = await RawClient.connect(second.port);
    assert.equal(await d.call('GET', 's'), 'value');
    assert.equal(await d.call('GET', 'n'), '5');
    assert.deepEqual(await d.call('AI.TENSORGET', 't', 'VALUES'), ['1', '2']);
    await d.close();
    await second.server.close();
    await second.server.persistence?.shutdown(false);
  });

  it('INFO memory counts the cached scripts, their bytes and the interpreter\'s heap', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    const field = async (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(String(await c.call('INFO', 'memory')))?.[1]);
    assert.equal(await field('number_of_cached_scripts'), 0);
    await c.call('SCRIPT', 'LOAD', 'return 1');
    await c.call('EVAL', "return redis.call('ping')", 0);
    assert.equal(await field('number_of_cached_scripts'), 2);
    assert.equal(await field('used_memory_scripts'), 'return 1'.length + "return redis.call('ping')".length);
    assert.ok((await field('used_memory_lua')) > 10_000);
    await c.call('SCRIPT', 'FLUSH');
    assert.equal(await field('number_of_cached_scripts'), 0);
    await c.close();
  });

  it('refuses Redis Functions by name (deviation 14)', async () => {
    const { port } = await startServer();
    const c = await RawClient.connect(port);
    const why = 'ERR Redis Functions (FUNCTION, FCALL) are not available on this server; EVAL and EVALSHA scripts are';
    for (const command of [['FUNCTION', 'LIST'], ['FCALL', 'f', 0], ['FCALL_RO', 'f', 0]]) assert.equal(message(await c.call(...command)), why);
    await c.close();
  });
});
