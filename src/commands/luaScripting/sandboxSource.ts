// The Lua half of the scripting sandbox, run once per interpreter state with the guards made in
// TypeScript (they raise errors at the script's own line). Redis 7.0's rules: no files, OS,
// modules, debug or environment tricks; reading an unknown global and writing any global are
// errors, from scripts and from chunks they loadstring alike; the libraries cannot be changed
// (rawset included, and the string metatable); bytecode is not loaded (sandboxGuards.ts). Every global lives in a table behind an empty, read-only _G: an assignment
// to _G can then never overwrite one. Returns Redis's error handler (errors become
// {err = …, source = …, line = …} tables), that table of globals (KEYS and ARGV go there), and
// the read-only views with what each shows (the guards recognise views by identity).
export const sandboxSource = `
local missingGlobal, readonlyTable, guards = ...
local G, dbg, setmetatable, getmetatable, type, tostring, next, ipairs = _G, debug, setmetatable, getmetatable, type, tostring, next, ipairs
for _, name in ipairs({'print', 'dofile', 'loadfile', 'require', 'module', 'package', 'io', 'os', 'debug',
                       'setfenv', 'getfenv', 'newproxy'}) do
  G[name] = nil
end
local views = {}
local function readonly(t)
  local view = setmetatable({}, { __index = t, __newindex = readonlyTable, __metatable = false })
  views[view] = t
  return view
end
for _, name in ipairs({'redis', 'bit', 'cjson', 'cmsgpack', 'struct', 'string', 'table', 'math', 'coroutine'}) do
  G[name] = readonly(G[name])
end
for name, guard in next, guards do G[name] = guard end
-- Strings' methods (('x'):upper()) come through the string metatable: it must lead to the
-- read-only view too, and be read-only itself.
local stringMeta = getmetatable('')
stringMeta.__index = G.string
stringMeta.__metatable = readonly(stringMeta)
local function errorHandler(err)
  local i = dbg.getinfo(2, 'nSl')
  if i and i.what == 'C' then i = dbg.getinfo(3, 'nSl') end
  if type(err) ~= 'table' then err = { err = 'ERR ' .. tostring(err) } end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
G.__redis__err__handler = errorHandler
local globals = {}
for k, v in next, G do globals[k] = v end
for k in next, globals do G[k] = nil end
globals._G = G
setmetatable(globals, { __index = missingGlobal, __metatable = false })
setmetatable(G, { __index = globals, __newindex = readonlyTable, __metatable = false })
views[G] = globals
return errorHandler, globals, views
`;
