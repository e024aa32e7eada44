import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import type { Command, ServerInfo } from '../Command';
import { internalClient } from '../Command';
import { native } from '../../native';
import { ErrorReply, Reply } from '../../resp/Reply';
import { VERSION } from '../../version';
import { countedAlready, errorText, markCounted, pushReply, pushStatusTable, replyAt, stringField } from './luaReplies';
import { LUA_GLOBALSINDEX, LUA_MULTRET, LUA_REGISTRYINDEX, LuaState, LuaType, rethrowLuaUnwind } from './LuaState';
import { LuaWasm, loadLuaWasm, luaWasmIfLoaded } from './luaWasm';
import { pushBitLibrary } from './bitLibrary';
import { pushCjsonLibrary } from './cjsonLibrary';
import { pushCmsgpackLibrary } from './cmsgpackLibrary';
import { pushSandboxGuards, VIEWS } from './sandboxGuards';
import { sandboxSource } from './sandboxSource';
import { pushStructLibrary } from './structLibrary';
import { parseShebang, ScriptFlags } from './shebang';

// Redis's EVAL scripting (Redis 7.0's behaviour and texts): one Lua 5.1 state per server, the
// `redis` library, a sandbox, a cache of scripts by SHA1. Scripts run on the event loop, as in
// Redis, and are atomic: the commands they call finish at once, so nothing else runs in between.
// Commands that wait for a device thread (or anything else) cannot: a script may not call them.

export const NO_MULTI = 'ERR Cannot run RedisAI command within a transaction or a LUA script';
const HOOK_INSTRUCTIONS = 100_000;
/** Past this many bytes of Lua heap after a script, a full collection runs. */
const LARGE_HEAP = 32 << 20;
const LOG_WARNING = 3;
const LOG_NOTICE = 2;

/** Where a script runs as one unit of the append-only log (Engine.atomically). */
interface AtomicUnit {
  atomically<T>(fn: () => T): T;
}

/** What the script being run may do. */
interface RunLimits {
  readonly readOnly: boolean;
  /** Shebang flag allow-oom: maxmemory never refuses its commands. */
  readonly allowOom: boolean;
  /** Past maxmemory when the script started (Redis's pre_command_oom_state). */
  readonly oomAtStart: boolean;
  /** It has run a write command: from then on maxmemory refuses nothing (it cannot stop half-way). */
  wrote: boolean;
  /** Date.now() past which the script is stopped (Infinity: never). */
  readonly deadline: number;
  readonly thresholdMs: number;
}

/** The sha1 a script is known by (lower-case hex). */
export function scriptSha(body: Uint8Array): string {
  return createHash('sha1').update(body).digest('hex');
}

const scriptings = new WeakMap<ServerInfo, LuaScripting>();

/** The scripting of `server` (made on first use). */
export function scriptingOf(server: ServerInfo): LuaScripting {
  let found = scriptings.get(server);
  if (found === undefined) scriptings.set(server, (found = new LuaScripting(server)));
  return found;
}

export class LuaScripting {
  private lua: LuaState | undefined;
  /** Every script loaded (EVAL, SCRIPT LOAD) until SCRIPT FLUSH, by sha1. */
  private readonly bodies = new Map<string, Buffer>();
  /** The client scripts' commands run as: MONITOR shows it as `[0 lua]`. */
  private readonly client = { ...internalClient('lua', ''), ignoresMaxmemory: true };
  private limits: RunLimits | null = null;
  /** The KEYS and ARGV the protected setter (state()) makes globals of. */
  private pendingArguments: { keys: readonly Buffer[]; argv: readonly Buffer[] } | null = null;

  constructor(private readonly server: ServerInfo) {}

  /** Runs `body` (EVAL), loading it first; a promise only while the interpreter itself loads. */
  eval(body: Buffer, keys: Buffer[], argv: Buffer[], readOnly: boolean, unit: AtomicUnit): Reply | Promise<Reply> {
    return this.withLua((lua) => {
      const sha = scriptSha(body);
      const loaded = this.compile(lua, sha, body);
      if (loaded instanceof ErrorReply) return loaded;
      return unit.atomically(() => this.call(lua, sha, loaded, keys, argv, readOnly));
    });
  }

  /** Runs a loaded script (EVALSHA). */
  evalSha(shaText: string, keys: Buffer[], argv: Buffer[], readOnly: boolean, unit: AtomicUnit): Reply | Promise<Reply> {
    const sha = shaText.toLowerCase();
    const body = this.bodies.get(sha);
    if (body === undefined) return new ErrorReply('NOSCRIPT No matching script. Please use EVAL.');
    return this.withLua((lua) => {
      const loaded = this.compile(lua, sha, body);
      if (loaded instanceof ErrorReply) return loaded;
      return unit.atomically(() => this.call(lua, sha, loaded, keys, argv, readOnly));
    });
  }

  /** SCRIPT LOAD: compiles and keeps `body`; its sha1. */
  load(body: Buffer): Reply | Promise<Reply> {
    return this.withLua((lua) => {
      const sha = scriptSha(body);
      const loaded = this.compile(lua, sha, body);
      return loaded instanceof ErrorReply ? loaded : sha;
    });
  }

  /** INFO memory's script lines: the interpreter's heap, the scripts cached and their bytes. */
  memoryInfo(): { luaBytes: number; scripts: number; scriptBytes: number } {
    let scriptBytes = 0;
    for (const body of this.bodies.values()) scriptBytes += body.length;
    return { luaBytes: this.lua?.heapBytes() ?? 0, scripts: this.bodies.size, scriptBytes };
  }

  exists(sha: string): boolean {
    return this.bodies.has(sha.toLowerCase());
  }

  /** SCRIPT FLUSH: forgets every script, and starts the next one in a fresh interpreter. */
  flush(): void {
    this.bodies.clear();
    this.lua?.close();
    this.lua = undefined;
  }

  private withLua(fn: (lua: LuaState) => Reply): Reply | Promise<Reply> {
    const wasm = luaWasmIfLoaded();
    if (wasm !== undefined) return this.guarded(wasm, fn);
    return loadLuaWasm().then((loaded) => this.guarded(loaded, fn));
  }

  /**
   * Runs `fn` on the state; should anything escape the interpreter's own protection (a wasm trap,
   * a panic), the state is given up, not reused: the next script gets a fresh one (scripts stay
   * cached, and compile again there).
   */
  private guarded(wasm: LuaWasm, fn: (lua: LuaState) => Reply): Reply {
    const lua = this.state(wasm);
    try {
      return fn(lua);
    } catch (err) {
      const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
      this.server.logWarning(`Lua interpreter failed (${why}); it is replaced by a fresh one`);
      this.limits = null;
      // Not closed: a state in an unknown condition is left to the collector of nothing; its memory stays in the wasm heap.
      if (this.lua === lua) this.lua = undefined;
      return new ErrorReply(`ERR the Lua interpreter failed (${why}); the next script runs in a fresh one`);
    }
  }

  /** The script's flags (shebang), after its function is in the registry; or why it cannot be. */
  private compile(lua: LuaState, sha: string, body: Buffer): ScriptFlags | ErrorReply {
    const shebang = parseShebang(body);
    if (shebang instanceof ErrorReply) return shebang;
    const wasm = lua.wasm;
    const L = lua.L;
    lua.getField(LUA_REGISTRYINDEX, `f_${sha}`);
    const known = lua.typeAt(-1) === LuaType.Function;
    wasm._lua_settop(L, -2);
    if (!known) {
      if (lua.load(shebang.source, '@user_script') !== 0) {
        const reason = errorText(lua.bytesAt(-1));
        wasm._lua_settop(L, 0);
        return new ErrorReply(`ERR Error compiling script (new function): ${reason}`);
      }
      lua.setField(LUA_REGISTRYINDEX, `f_${sha}`);
      this.bodies.set(sha, Buffer.from(body)); // a copy: the request's buffers are reused once it has run
    } else if (!this.bodies.has(sha)) {
      this.bodies.set(sha, Buffer.from(body)); // a copy: the request's buffers are reused once it has run
    }
    return shebang;
  }

  private call(lua: LuaState, sha: string, flags: ScriptFlags, keys: Buffer[], argv: Buffer[], readOnly: boolean): Reply {
    // Redis 7 refuses a script with a shebang that may write, past maxmemory, before it starts.
    if (flags.shebang && !flags.readOnly && !flags.allowOom && this.overMaxmemory()) {
      return new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");
    }
    const wasm = lua.wasm;
    const L = lua.L;
    wasm._lua_settop(L, 0);
    lua.getField(LUA_REGISTRYINDEX, 'stormbreaker_error_handler');
    lua.getField(LUA_REGISTRYINDEX, `f_${sha}`);
    // KEYS and ARGV are made inside a protected call: a huge ARGV can exhaust the interpreter's memory.
    this.pendingArguments = { keys, argv };
    lua.getField(LUA_REGISTRYINDEX, 'stormbreaker_set_arguments');
    const made = wasm._lua_pcall(L, 0, 0, 0);
    this.pendingArguments = null;
    if (made !== 0) {
      wasm._lua_settop(L, 0);
      lua.collectGarbage();
      return new ErrorReply("ERR not enough memory in the Lua interpreter for the script's KEYS and ARGV");
    }
    const thresholdMs = this.busyThresholdMs();
    this.limits = {
      readOnly: readOnly || flags.readOnly,
      allowOom: flags.allowOom,
      oomAtStart: this.overMaxmemory(),
      wrote: false,
      deadline: thresholdMs > 0 ? Date.now() + thresholdMs : Infinity,
      thresholdMs,
    };
    if (thresholdMs > 0) lua.setCountHook(this.hook, HOOK_INSTRUCTIONS);
    let reply: Reply;
    try {
      const status = wasm._lua_pcall(L, 0, 1, 1);
      reply = status === 0 ? replyAt(lua, L, wasm._lua_gettop(L)) : this.failure(lua, sha);
    } finally {
      this.limits = null;
      lua.setCountHook(0, 0);
      wasm._lua_settop(L, 0);
      lua.releaseLargeScratch();
      // What a large script left (its strings and tables) goes now, not when Lua's own pace gets to it.
      if (lua.heapBytes() > LARGE_HEAP) lua.collectGarbage();
    }
    return reply;
  }

  /** The error a failed run replies: the error table's text, and where in the script it happened. */
  private failure(lua: LuaState, sha: string): ErrorReply {
    const L = lua.L;
    const top = lua.wasm._lua_gettop(L);
    if (lua.typeAt(top) !== LuaType.Table) {
      const message = lua.typeAt(top) === LuaType.String ? errorText(lua.bytesAt(top)).slice(0, 100) : 'execution failure';
      return new ErrorReply(`ERR Error running script f_${sha}, ${message}`);
    }
    const err = stringField(lua, L, top, 'err');
    const source = stringField(lua, L, top, 'source');
    lua.pushBytes('line');
    lua.wasm._lua_rawget(L, top);
    const line = lua.typeAt(-1) === LuaType.Number ? String(lua.wasm._lua_tonumber(L, -1)) : undefined;
    lua.wasm._lua_settop(L, top);
    let text = err === undefined ? 'ERR unknown error' : errorText(err);
    if (source !== undefined && line !== undefined) text += ` script: ${sha}, on ${errorText(source)}:${line}.`;
    return new ErrorReply(text, countedAlready(lua, L, top));
  }

  private setGlobalArray(lua: LuaState, name: string, items: readonly Buffer[]): void {
    const wasm = lua.wasm;
    lua.getField(LUA_REGISTRYINDEX, 'stormbreaker_globals');
    lua.pushBytes(name);
    wasm._lua_createtable(lua.L, items.length, 0);
    for (let i = 0; i < items.length; i++) {
      lua.pushBytes(items[i]);
      wasm._lua_rawseti(lua.L, -2, i + 1);
    }
    // Into the table behind the read-only _G (sandboxSource.ts): the sandbox refuses globals to scripts, not to the server.
    wasm._lua_rawset(lua.L, -3);
    wasm._lua_settop(lua.L, -2);
  }

  private overMaxmemory(): boolean {
    return this.server.overMaxmemory();
  }

  private busyThresholdMs(): number {
    const setting = this.server.config.find((c) => c.name === 'busy-reply-threshold');
    const value = setting === undefined ? 5000 : Number(setting.get());
    return Number.isFinite(value) ? value : 5000;
  }

  /** The count hook that stops a script past busy-reply-threshold (one per state, made in state()). */
  private hook = 0;

  /** The interpreter, made (libraries, redis.*, sandbox) on first use or after SCRIPT FLUSH. */
  private state(wasm: LuaWasm): LuaState {
    if (this.lua !== undefined) return this.lua;
    const lua = new LuaState(wasm);
    const L = lua.L;
    wasm._luaL_openlibs(L);
    this.hook = lua.registerHook((at) => {
      const limits = this.limits;
      if (limits === null || Date.now() < limits.deadline) return;
      // From now on every instruction raises: a pcall in the script cannot catch its way past it.
      lua.setCountHook(this.hook, 1);
      pushStatusTable(lua, at, 'err',
        `ERR Script ran longer than busy-reply-threshold (${limits.thresholdMs} ms) and was stopped (this server cannot serve other clients while a script runs)`);
      wasm._lua_error(at);
    });
    this.installRedisLibrary(lua);
    lua.pushFunction(() => {
      const pending = this.pendingArguments;
      if (pending !== null) {
        this.setGlobalArray(lua, 'KEYS', pending.keys);
        this.setGlobalArray(lua, 'ARGV', pending.argv);
      }
      return 0;
    });
    lua.setField(LUA_REGISTRYINDEX, 'stormbreaker_set_arguments');
    pushBitLibrary(lua);
    lua.setField(LUA_GLOBALSINDEX, 'bit');
    pushCjsonLibrary(lua, (at, message) => raiseAtScriptLine(lua, at, message));
    lua.setField(LUA_GLOBALSINDEX, 'cjson');
    pushCmsgpackLibrary(lua, (at, message) => raiseAtScriptLine(lua, at, message));
    lua.setField(LUA_GLOBALSINDEX, 'cmsgpack');
    pushStructLibrary(lua, (at, message) => raiseAtScriptLine(lua, at, message));
    lua.setField(LUA_GLOBALSINDEX, 'struct');
    // Redis 7's pcall: an error raised as a table with a string `err` (what redis.call raises)
    // comes back as that string.
    lua.pushFunction((at) => {
      const argc = wasm._lua_gettop(at);
      wasm._lua_pushboolean(at, 1);
      wasm._lua_insert(at, 1);
      if (wasm._lua_pcall(at, argc - 1, LUA_MULTRET, 0) !== 0) {
        wasm._lua_remove(at, 1);
        if (lua.typeAt(-1, at) === LuaType.Table) {
          lua.getField(-1, 'err', at);
          if (lua.typeAt(-1, at) === LuaType.String) wasm._lua_replace(at, -2);
          else wasm._lua_settop(at, -2);
        }
        wasm._lua_pushboolean(at, 0);
        wasm._lua_insert(at, 1);
      }
      return wasm._lua_gettop(at);
    });
    lua.setField(LUA_GLOBALSINDEX, 'pcall');
    // The sandbox: what scripts may not reach, read-only globals, Redis's error handler.
    if (lua.load(Buffer.from(sandboxSource), '=sandbox') !== 0) throw new Error(`Lua sandbox: ${lua.bytesAt(-1).toString()}`);
    lua.pushFunction(guard(lua, (at) => `Script attempted to access nonexistent global variable '${lua.bytesAt(2, at).toString('latin1')}'`));
    lua.pushFunction(guard(lua, () => 'Attempt to modify a readonly table'));
    pushSandboxGuards(lua);
    if (wasm._lua_pcall(L, 3, 3, 0) !== 0) throw new Error(`Lua sandbox: ${lua.bytesAt(-1).toString()}`);
    lua.setField(LUA_REGISTRYINDEX, VIEWS);
    lua.setField(LUA_REGISTRYINDEX, 'stormbreaker_globals');
    lua.setField(LUA_REGISTRYINDEX, 'stormbreaker_error_handler');
    wasm._lua_settop(L, 0);
    lua.collectGarbage();
    this.lua = lua;
    return lua;
  }

  private installRedisLibrary(lua: LuaState): void {
    const wasm = lua.wasm;
    const L = lua.L;
    wasm._lua_createtable(L, 0, 32);
    const fn = (name: string, body: (L: number) => number) => {
      lua.pushFunction(body);
      lua.setField(-2, name);
    };
    const number = (name: string, value: number) => {
      wasm._lua_pushnumber(L, value);
      lua.setField(-2, name);
    };
    fn('call', (at) => this.redisCall(lua, at, true));
    fn('pcall', (at) => this.redisCall(lua, at, false));
    fn('error_reply', (at) => this.statusReply(lua, at, 'err'));
    fn('status_reply', (at) => this.statusReply(lua, at, 'ok'));
    fn('sha1hex', (at) => {
      if (wasm._lua_gettop(at) !== 1) return this.raise(lua, at, 'ERR wrong number of arguments');
      lua.pushBytes(scriptSha(lua.bytesAt(1, at)), at);
      return 1;
    });
    fn('log', (at) => this.log(lua, at));
    fn('setresp', (at) => {
      if (wasm._lua_gettop(at) !== 1) return this.raise(lua, at, 'ERR redis.setresp() requires one argument.');
      const n = wasm._lua_tonumber(at, 1);
      if (n === 2) return 0;
      if (n === 3) return this.raise(lua, at, 'ERR RESP3 replies inside Lua scripts are not supported by this server');
      return this.raise(lua, at, 'ERR RESP version must be 2 or 3.');
    });
    fn('set_repl', (at) => {
      // Redis's text, "two" included.
      if (wasm._lua_gettop(at) !== 1) return this.raise(lua, at, 'ERR redis.set_repl() requires two arguments.');
      const n = wasm._lua_tonumber(at, 1);
      // Writes reach the append-only log as their effects, whatever the script asks.
      if (Number.isInteger(n) && n >= 0 && n <= 3) return 0;
      return this.raise(lua, at, 'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
    });
    fn('replicate_commands', (at) => {
      wasm._lua_pushboolean(at, 1);
      return 1;
    });
    fn('breakpoint', (at) => {
      wasm._lua_pushboolean(at, 0);
      return 1;
    });
    fn('debug', () => 0);
    fn('acl_check_cmd', (at) => {
      if (wasm._lua_gettop(at) < 1) return this.raise(lua, at, 'ERR Please specify at least one argument for this redis lib call');
      const found = this.server.findCommand(lua.bytesAt(1, at).toString('latin1').toLowerCase());
      if (found === undefined) return this.raise(lua, at, 'ERR Invalid command passed to redis.acl_check_cmd()');
      wasm._lua_pushboolean(at, 1);
      return 1;
    });
    number('LOG_DEBUG', 0);
    number('LOG_VERBOSE', 1);
    number('LOG_NOTICE', LOG_NOTICE);
    number('LOG_WARNING', LOG_WARNING);
    number('REPL_NONE', 0);
    number('REPL_AOF', 1);
    number('REPL_SLAVE', 2);
    number('REPL_REPLICA', 2);
    number('REPL_ALL', 3);
    lua.pushBytes(VERSION);
    lua.setField(-2, 'REDIS_VERSION');
    const [major, minor, patch] = VERSION.split('.').map(Number);
    number('REDIS_VERSION_NUM', (major << 16) | (minor << 8) | patch);
    lua.setField(LUA_GLOBALSINDEX, 'redis');
  }

  /** Pushes `{err = text}` and raises it (the caller returns what this returns). */
  private raise(lua: LuaState, L: number, text: string, counted = false): number {
    pushStatusTable(lua, L, 'err', text);
    if (counted) markCounted(lua, L);
    return lua.wasm._lua_error(L);
  }

  /** redis.error_reply / redis.status_reply. */
  private statusReply(lua: LuaState, L: number, field: 'ok' | 'err'): number {
    if (lua.wasm._lua_gettop(L) !== 1 || lua.typeAt(1, L) !== LuaType.String) {
      pushStatusTable(lua, L, 'err', 'ERR wrong number or type of arguments');
      return 1;
    }
    const text = lua.bytesAt(1, L).toString('latin1');
    pushStatusTable(lua, L, field, Buffer.from(field === 'err' ? errorWithCode(text) : text, 'latin1'));
    return 1;
  }

  private log(lua: LuaState, L: number): number {
    const wasm = lua.wasm;
    const argc = wasm._lua_gettop(L);
    if (argc < 2) return this.raise(lua, L, 'ERR redis.log() requires two arguments or more.');
    if (wasm._lua_isnumber(L, 1) === 0) return this.raise(lua, L, 'ERR First argument must be a number (log level).');
    const level = wasm._lua_tonumber(L, 1);
    if (level < 0 || level > LOG_WARNING) return this.raise(lua, L, 'ERR Invalid debug level.');
    const parts: string[] = [];
    for (let i = 2; i <= argc; i++) {
      const t = lua.typeAt(i, L);
      if (t === LuaType.String || t === LuaType.Number) parts.push(lua.bytesAt(i, L).toString());
    }
    if (level >= LOG_WARNING) this.server.logWarning(parts.join(' '));
    else if (level >= LOG_NOTICE) this.server.logNotice(parts.join(' '));
    return 0;
  }

  /** redis.call (`raise`: an error reply raises an error) and redis.pcall (it is returned). */
  private redisCall(lua: LuaState, L: number, raise: boolean): number {
    let reply: Reply;
    try {
      const argv = commandArguments(lua, L);
      reply = typeof argv === 'string' ? new ErrorReply(argv) : this.runCommand(argv);
    } catch (err) {
      rethrowLuaUnwind(err);
      reply = new ErrorReply(`ERR internal error: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
    // An error the command itself made is in errorstats already: the table says so
    // (ignore_error_stats_update, as Redis marks it), and the script's reply does not count it again.
    if (reply instanceof ErrorReply && raise) return this.raise(lua, L, reply.message, reply.countedAlready);
    // Raising an error longjmps through this frame: no try block may be open around it.
    let failed: string | undefined;
    try {
      pushReply(lua, L, reply);
    } catch (err) {
      rethrowLuaUnwind(err);
      failed = err instanceof Error ? err.message : String(err);
    }
    if (failed !== undefined) return this.raise(lua, L, `ERR ${failed}`);
    return 1;
  }

  /** One command from a script, with Redis's refusals in Redis's words. */
  private runCommand(argv: Buffer[]): Reply {
    const command = this.server.findCommand(argv[0].toString('latin1').toLowerCase());
    if (command === undefined) return new ErrorReply('ERR Unknown Redis command called from script');
    if ((command.arity > 0 && argv.length !== command.arity) || (command.arity < 0 && argv.length < -command.arity)) {
      return new ErrorReply('ERR Wrong number of args calling Redis command from script');
    }
    // CLIENT: Redis flags each of its subcommands noscript.
    if (command.flags.includes('noscript') || command.name === 'client') return new ErrorReply('ERR This Redis command is not allowed from script');
    if (command.flags.includes('no_multi')) return new ErrorReply(NO_MULTI);
    if (this.limits?.readOnly === true && command.flags.includes('write')) {
      return new ErrorReply('ERR Write commands are not allowed from read-only scripts.');
    }
    if (!finishesAtOnce(command)) return new ErrorReply(cannotWait(command));
    // Redis's scriptVerifyOOM: past maxmemory at the start, a command that may add data is refused
    // until the script has written anything (then it must be let finish), unless allow-oom.
    const limits = this.limits;
    if (limits !== null && command.denyOom && limits.oomAtStart && !limits.allowOom && !limits.wrote) {
      return new ErrorReply("OOM command not allowed when used memory > 'maxmemory'.");
    }
    if (limits !== null && command.flags.includes('write')) limits.wrote = true;
    const reply = this.server.runAs(this.client, argv);
    if (reply instanceof Promise) {
      reply.catch(() => undefined);
      return new ErrorReply(cannotWait(command));
    }
    return reply instanceof ErrorReply ? new ErrorReply(reply.message, true) : reply;
  }
}

/** Raises `message` prefixed with the calling script's position, as luaL_error does. */
function raiseAtScriptLine(lua: LuaState, L: number, message: string): number {
  lua.wasm._luaL_where(L, 1);
  const prefix = lua.bytesAt(-1, L);
  lua.pushBytes(Buffer.concat([prefix, Buffer.from(message, 'latin1')]), L);
  return lua.wasm._lua_error(L);
}

/** A metamethod that raises `message` at the script's line, as error(message, 2) would. */
function guard(lua: LuaState, message: (L: number) => string) {
  return (L: number): number => raiseAtScriptLine(lua, L, message(L));
}

/** A script cannot wait: commands that queue device work, or are asynchronous, are refused. */
function finishesAtOnce(command: Command): boolean {
  return !command.runsOnDevice && command.run.constructor.name !== 'AsyncFunction';
}

function cannotWait(command: Command): string {
  const why = command.runsOnDevice ? 'it waits for a device thread' : 'it does not finish at once on this server';
  return `ERR ${command.name.toUpperCase()} cannot be called from a Lua script: ${why}`;
}

/** The command a script's redis.call names: its arguments as bytes, or the error text. */
function commandArguments(lua: LuaState, L: number): Buffer[] | string {
  const argc = lua.wasm._lua_gettop(L);
  if (argc === 0) return 'ERR Please specify at least one argument for this redis lib call';
  const argv: Buffer[] = [];
  for (let i = 1; i <= argc; i++) {
    const t = lua.typeAt(i, L);
    if (t === LuaType.String) argv.push(lua.bytesAt(i, L));
    // Redis formats numbers with %.17g (Lua's own %.14g loses digits).
    else if (t === LuaType.Number) argv.push(Buffer.from(numberArgument(lua.wasm._lua_tonumber(L, i)), 'latin1'));
    else return 'ERR Lua redis lib command arguments must be strings or integers';
  }
  return argv;
}

/**
 * A number as redis.call passes it: %.17g. NaN prints as glibc prints x86's 0/0, the NaN scripts
 * make (its sign bit is set): "-nan".
 */
function numberArgument(n: number): string {
  return Number.isNaN(n) ? '-nan' : native.formatDouble(n);
}

/** redis.error_reply's text: its own code (`-CODE message`) or ERR. */
function errorWithCode(text: string): string {
  const t = text.startsWith('-') ? text.slice(1) : text;
  const space = t.indexOf(' ');
  const [code, message] = space < 0 ? ['ERR', t] : [t.slice(0, space), t.slice(space + 1)];
  return `${code} ${message.replace(/[\r\n]+$/, '')}`;
}
