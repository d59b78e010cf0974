-- Field and method access as tier 1 compiles it inline (GETFIELD/GETTABUP/SELF/SETFIELD,
-- GETTABLE/SETTABLE with string keys): raw hits anywhere on a collision chain, the __index
-- walk through tables, and every way the answer can change after a site was compiled.
-- Each case runs in a loop so the sites are compiled (mode `on`) and executed many times.

local function run(n, f)
  local r
  for i = 1, n do r = f(i) end
  return r
end

-- 1. Methods via an __index table, and a key added later to the object shadowing them.
local Class = {}
Class.__index = Class
function Class.new(v) return setmetatable({v = v}, Class) end
function Class:get() return self.v end
function Class:twice() return self:get() * 2 end
local o = Class.new(21)
print("method", run(300, function() return o:twice() end))
local sum = 0
for i = 1, 300 do
  if i == 150 then o.get = function() return 1000 end end -- shadows Class.get
  sum = sum + o:twice()
end
print("shadow", sum)
o.get = nil -- the object's node keeps a nil value: the method is found again
print("unshadow", run(300, function() return o:twice() end))

-- 2. __index function, and an __index table replaced by a function after compilation.
local calls = 0
local F = setmetatable({}, {__index = function(t, k) calls = calls + 1 return k .. "!" end})
print("indexfn", run(200, function() return F.hello end), calls)
local P = setmetatable({}, {__index = {a = 1}})
local acc = {}
for i = 1, 200 do
  if i == 100 then getmetatable(P).__index = function(_, k) return k .. i end end
  acc[#acc + 1] = P.a
end
print("index replaced", acc[1], acc[99], acc[100], acc[200])

-- 3. A chain of three __index levels (and the two middle levels gaining the key later).
local A = {deep = "A"}
local B = setmetatable({}, {__index = A})
local C = setmetatable({}, {__index = B})
local obj = setmetatable({}, {__index = C})
local seen = {}
for i = 1, 300 do
  if i == 100 then rawset(B, "deep", "B") end
  if i == 200 then C.deep = "C" end
  seen[i] = obj.deep
end
print("chain", seen[1], seen[99], seen[100], seen[199], seen[200], seen[300])
print("chain missing", run(100, function() return obj.nothing end))

-- 4. The metatable changed after the site was compiled (set, replaced, removed).
local m1 = {__index = {k = "m1"}}
local m2 = {__index = {k = "m2"}}
local t = {}
local out = {}
for i = 1, 400 do
  if i == 100 then setmetatable(t, m1) end
  if i == 200 then setmetatable(t, m2) end
  if i == 300 then setmetatable(t, nil) end
  out[i] = tostring(t.k)
end
print("metatable changes", out[1], out[100], out[200], out[300], out[400])
-- A metatable whose __index appears after a lookup recorded it absent (flags cache).
local mt = {}
local u = setmetatable({}, mt)
local r1 = run(100, function() return u.z end)
mt.__index = {z = "late"}
print("late __index", r1, run(100, function() return u.z end))
mt.__index = nil
print("removed __index", run(100, function() return u.z end))
rawset(mt, "__index", {z = "rawset"})
print("rawset __index", run(100, function() return u.z end))

-- 5. rawset/rawget against __index and __newindex.
local log = {}
local R = setmetatable({}, {__index = function(_, k) return "idx " .. k end,
  __newindex = function(t2, k, v) log[#log + 1] = k rawset(t2, k, v) end})
for i = 1, 50 do
  R.f = i -- __newindex on first store only (then the key exists)
end
print("newindex", #log, R.f, rawget(R, "g"), R.g)
R.f = nil
print("newindex again", R.f)
R.f = 7
print("newindex log", #log, R.f)

-- 6. nil-valued fields: present keys holding nil are absent (and __index applies).
local N = setmetatable({a = 1, b = 2}, {__index = {a = "fallback", b = "fb"}})
local na = {}
for i = 1, 200 do
  if i == 50 then N.a = nil end
  if i == 150 then N.a = "back" end
  na[i] = N.a
end
print("nil fields", na[1], na[50], na[149], na[150], N.b)
local plain = {x = 1}
plain.x = nil
print("plain nil", run(50, function() return plain.x end))

-- 7. Colliding keys: many fields in a small hash part (collision chains), reads and writes.
local keys = {}
for i = 1, 40 do keys[i] = "f" .. i end
local big = {}
for i = 1, 40 do big[keys[i]] = i end
local s = 0
for _ = 1, 100 do
  s = s + big.f1 + big.f7 + big.f13 + big.f22 + big.f31 + big.f40
  big.f13 = big.f13 + 1
  big.f40 = big.f40 - 1
end
print("collide const", s, big.f13, big.f40)
local s2 = 0
for j = 1, 100 do
  for i = 1, 40 do
    local k = keys[i]
    s2 = s2 + big[k]
    big[k] = big[k] + j % 3
  end
end
print("collide dyn", s2, big.f1, big.f40)
-- Removed keys on a chain (dead nodes) and re-inserted ones.
for i = 1, 40, 2 do big[keys[i]] = nil end
collectgarbage()
local s3, cnt = 0, 0
for _ = 1, 50 do
  for i = 1, 40 do
    local v = big[keys[i]]
    if v then s3 = s3 + v else cnt = cnt + 1 end
  end
  big.f3 = (big.f3 or 0) + 1
end
big.f1 = "again"
print("dead keys", s3, cnt, big.f1, big.f2, big.f3, big.missing)

-- 8. Strings index through the string metatable; other values raise the usual errors.
local str = "abc"
print("string method", run(100, function() return str:upper() end), ("x"):rep(3))
local ok, err = pcall(function() local n = nil return n.field end)
print("index nil", ok, err)
ok, err = pcall(function() local n = 5 return n:method() end)
print("method on number", ok, err)
local loop = setmetatable({}, {})
getmetatable(loop).__index = loop
print("self loop", pcall(function() return loop.x end))

-- 9. Globals (GETTABUP) and an _ENV with __index.
local env = setmetatable({}, {__index = _G})
local fenv = load("local s = 0 for i = 1, 100 do s = s + (counter or i) end return s, type(print)",
  "env", "t", env)
print("env", fenv())
env.counter = 2
print("env shadow", fenv())

-- 10. The saved pc after an __index walk (lvm.c reports the last saved pc for // by zero).
local z = 0
local Q = setmetatable({}, {__index = {a = 1}})
local function divz()
  local y = Q.a
  local w =
    5 // z
  return y + w
end
for _ = 1, 3 do print("savedpc", pcall(divz)) end

-- 11. GETTABLE/GETI/SETTABLE with computed keys: misses without a metatable, __index
-- tables for integer, float, boolean and string keys, nil keys, __newindex on a removed key.
local D = setmetatable({}, {__index = {[1] = "one", [2.5] = "twofive", [true] = "yes", s = "str"}})
local ks = {1, 2.5, true, "s", 7, "nope", 2.0}
local got = {}
for i = 1, 140 do
  local k = ks[i % #ks + 1]
  got[i % #ks + 1] = tostring(D[k]) .. "/" .. tostring(D[1])
end
print("dyn index", table.concat(got, " "))
local plain2 = {10, 20, x = 1}
local pn = 0
for i = 1, 100 do
  if plain2[i] == nil then pn = pn + 1 end
  if plain2["y" .. i % 5] == nil then pn = pn + 1 end
  if plain2[nil] == nil then pn = pn + 1 end
end
print("dyn misses", pn)
local W = setmetatable({}, {__newindex = function(t2, k, v) rawset(t2, k, v * 10) end})
local wk = {"a", "b", "c"}
for i = 1, 90 do
  local k = wk[i % 3 + 1]
  if i == 45 then W.b = nil end
  W[k] = i
end
print("dyn newindex", W.a, W.b, W.c)
local function divz2(k)
  local y = plain2[k]
  local w =
    5 // z
  return y, w
end
for _ = 1, 3 do print("savedpc dyn", pcall(divz2, "nokey")) end

-- 12. New keys stored by compiled code (table growth), __newindex appearing later, bad keys.
local grow = setmetatable({}, {})
for i = 1, 300 do
  grow["k" .. i] = i
  grow[i * 2] = i
  grow[i + 0.5] = i
end
local gs = 0
for i = 1, 300 do gs = gs + grow["k" .. i] + grow[i * 2] + grow[i + 0.5] end
print("grow", gs, #grow >= 0)
local ni = {}
local watched = setmetatable({}, ni)
for i = 1, 100 do
  if i == 50 then ni.__newindex = function(t2, k, v) rawset(t2, k, -v) end end
  watched["w" .. i] = i
end
print("newindex later", watched.w49, watched.w50, watched.w100)
print("nil key", pcall(function() local t3 = {} for i = 1, 10 do t3[i] = i end local k t3[k] = 1 end))
print("nan key", pcall(function() local t3 = {} t3[0/0] = 1 end))
local function divz3()
  local t4 = {x = 1, y = 2, z = 3} -- room for a fourth key: inserted without a resize
  t4.newfield = 1
  local w =
    5 // z
  return w
end
for _ = 1, 3 do print("savedpc set", pcall(divz3)) end

-- 13. Method calls (SELF, walked inline) through a 3-level __index chain whose levels change.
local L1 = {}
function L1.who() return "L1" end
local L2 = setmetatable({}, {__index = L1})
local L3 = setmetatable({}, {__index = L2})
local inst = setmetatable({}, {__index = L3})
local whos = {}
for i = 1, 400 do
  if i == 100 then L2.who = function() return "L2" end end
  if i == 200 then rawset(L3, "who", function() return "L3" end) end
  if i == 300 then L3.who = nil L2.who = nil L1.who = function() return "L1b" end end
  whos[i] = inst:who()
end
print("self chain", whos[1], whos[100], whos[200], whos[300], whos[400])
print("self missing", pcall(function() return inst:nomethod() end))
