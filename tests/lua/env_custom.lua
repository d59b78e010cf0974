-- _ENV: a local _ENV changes global resolution; functions with _ENV parameters; load with env
local print, tostring = print, tostring
do
  local _ENV = {x = "from custom env"}
  print(x, y)
  y = "assigned"
  print(y, _ENV.y)
end
print(y)
local function with_env(_ENV) return a + b end
print(with_env({a = 1, b = 2}))
local sandbox = setmetatable({}, {__index = _G})
local chunk = load("z = 10; function f() return z * 2 end; return f()", "sandboxed", "t", sandbox)
print(chunk(), sandbox.z, sandbox.f ~= nil, z, f)
print(pcall(load("return undefined_thing.x", "nilenv", "t", {})))
local env2 = {}
local g = load("local _ENV = ...; v = 5", "e2")
g(env2)
print(env2.v)
local function getenv() return _ENV end
print(getenv() == _G)
_ENV = setmetatable({}, {__index = _G, __newindex = function(t, k, v) rawset(t, k, "wrapped:" .. tostring(v)) end})
newglobal = 1
print(newglobal, rawget(_G, "newglobal"))
