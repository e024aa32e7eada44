// The Lua half of the scripting sandbox, run once per interpreter state with the two guards made
// in TypeScript (they raise errors at the script's own line). Redis 7.0's rules: no files, OS,
// modules, debug or environment tricks; reading an unknown global and writing any global are
// errors; the `redis`, `bit`, `cjson` and `cmsgpack` libraries cannot be changed. Returns Redis's error handler (errors become
// {err = …, source = …, line = …} tables) and the environment every script function runs in.
export const sandboxSource = `
local missingGlobal, readonlyTable = ...
local dbg, setmetatable, type, tostring = debug, setmetatable, type, tostring
for _, name in ipairs({'print', 'dofile', 'loadfile', 'require', 'module', 'package', 'io', 'os', 'debug',
                       'setfenv', 'getfenv', 'newproxy'}) do
  _G[name] = nil
end
local function readonly(t)
  return setmetatable({}, { __index = t, __newindex = readonlyTable, __metatable = false })
end
redis, bit, cjson, cmsgpack = readonly(redis), readonly(bit), readonly(cjson), readonly(cmsgpack)
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
setmetatable(_G, { __index = missingGlobal, __newindex = readonlyTable, __metatable = false })
local env = setmetatable({}, { __index = _G, __newindex = readonlyTable, __metatable = false })
return errorHandler, env
`;
