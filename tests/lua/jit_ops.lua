-- Allocating / metamethod instructions performed for compiled code (jit/ops.rs): NEWTABLE,
-- CONCAT, CLOSURE, MMBIN*, LEN with __len, TFORCALL with native and Lua iterators.
-- Loops run past the tier-up thresholds so `--jit=on` compiles them too.

-- NEWTABLE and CLOSURE in a hot loop, with the GC running underneath.
local keep = {}
for i = 1, 5000 do
  local t = {i, i * 2, name = "n" .. i}
  keep[i % 100 + 1] = t
  local f = function() return t[1] + i end
  if i % 1000 == 0 then print(i, f(), #t, t.name) end
end
collectgarbage()

-- Fresh loop variable per closure (upvalues created by compiled CLOSURE).
local fs = {}
for i = 1, 2000 do fs[i] = function() return i end end
local s = 0
for i = 1, 2000 do s = s + fs[i]() end
print(s)
-- Shared upvalue between two closures.
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
for _ = 1, 3000 do inc() end
print(get())

-- CONCAT: numbers, strings, __concat and errors naming the culprit.
local parts = {}
for i = 1, 3000 do parts[#parts + 1] = "x" .. i .. "" .. 1.5 end
print(#parts, parts[3000])
local C = setmetatable({}, {__concat = function(a, b) return "C" end})
local cs
for _ = 1, 1200 do cs = "a" .. C end
print(cs, C .. "b")
local ok, e
local T = {}
for i = 1, 1100 do ok, e = pcall(function() return "a" .. T.nope end) end
print(ok, e)

-- Arithmetic metamethods (MMBIN, MMBINI, MMBINK) and their errors.
local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({v = (type(a) == "table" and a.v or a) + (type(b) == "table" and b.v or b)}, V) end
V.__sub = function(a, b) return setmetatable({v = (type(a) == "table" and a.v or a) - (type(b) == "table" and b.v or b)}, V) end
V.__len = function(a) return a.v end
local acc = setmetatable({v = 0}, V)
for i = 1, 3000 do acc = acc + 1 acc = 2 + acc acc = acc - i acc = acc + setmetatable({v = i}, V) end
print(acc.v, #acc)
for i = 1, 1100 do ok, e = pcall(function(x) return x.y + 1 end, {}) end
print(ok, e)
for i = 1, 1100 do ok, e = pcall(function(x) return 1 & x end, 1.5) end
print(ok, e)
for i = 1, 1100 do ok, e = pcall(function(x) return #x end, 7) end
print(ok, e)
print(pcall(function() local r = 0 for i = 1, 2000 do r = r + i // (i - 1000) end return r end))
print(pcall(function() local r = 0 for i = 1, 2000 do r = r + i % (i - 1000) end return r end))

-- Generic for: native iterators (pairs/next/ipairs) and Lua iterators, with break and errors.
local t = {}
for i = 1, 1000 do t[i] = i t["k" .. i] = i end
local n, sum = 0, 0
for _ = 1, 3 do
  for k, v in pairs(t) do n = n + 1 sum = sum + v end
  for i, v in ipairs(t) do sum = sum + i - v end
end
print(n, sum)
local function range(m)
  return function(_, i) if i < m then return i + 1 end end, nil, 0
end
local r = 0
for i in range(5000) do r = r + i if i == 4999 then break end end
print(r)
local function bad_iter() return function() error("iterator failed") end end
print(pcall(function() for x in bad_iter() do end end))
for _ = 1, 1100 do ok, e = pcall(function() for x in nil do end end) end
print(ok, e)

-- TAILCALL of natives (the frame returns the native's results), incl. from vararg frames
-- entered at a loop header, and SETLIST with fixed and open counts.
local function mk(x) return setmetatable({x}, V) end
local function vsum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return tostring(s)
end
local function opensel(...) return select("#", ...) end
local m, vs, os_ = nil, nil, 0
for i = 1, 3000 do
  m = mk(i)
  vs = vsum(i, 1, 2, 3)
  os_ = os_ + opensel(mk(i)) + opensel(table.unpack({1, 2, i}))
end
print(getmetatable(m) == V, m[1], vs, os_)
local function fl(x) return math.floor(x) end
for i = 1, 1100 do ok, e = pcall(fl, "z" .. i) end
print(ok, e)
local function three() return 7, 8, 9 end
local lists = 0
for i = 1, 3000 do
  local l = {i, i + 1, three()}
  local l2 = {three(), three()}
  lists = lists + #l + #l2 + l[5] + l2[4]
end
print(lists)

-- Vararg functions called from compiled code (VARARGPREP re-entry, VARARG, RETURN from a
-- vararg frame), with fixed parameters, nil holes and multiple results.
local function va(a, ...)
  local n = select("#", ...)
  local x, y = ...
  local t = {...}
  return a, n, x, y, #t, ...
end
local function va0(...) return ... end
local function vcount(...) local c = 0 for _ in pairs({...}) do c = c + 1 end return c end
local vsum2 = 0
for i = 1, 3000 do
  local a, n, x, y, tn, p, q, r = va(i, i + 1, nil, i + 3)
  vsum2 = vsum2 + a + n + x + (y == nil and 1 or 0) + tn + p + r + (q == nil and 1 or 0)
  vsum2 = vsum2 + select("#", va0()) + select("#", va0(nil, nil)) + vcount(va0(1, 2, 3))
end
print(vsum2, va(1), va0(4, 5, 6))

-- BNOT in hot code: integers inline; integral floats, strings (string metamethods) and
-- __bnot through the helper; a non-integral float raises with the variable's name.
do
  local mt = {__bnot = function(x) return "bnot of " .. x.name end}
  local vals = {7, -1, 2.0, setmetatable({name = "obj"}, mt), 0x7fffffffffffffff}
  local acc, last = 0, nil
  for i = 1, 3000 do
    local v = vals[i % #vals + 1]
    local r = ~v
    if type(r) == "number" then acc = acc + r else last = r end
  end
  print("bnot", acc, last)
  local ok, err = pcall(function()
    local s = 0
    for i = 1, 3000 do
      local f = (i < 2999) and i or 1.5
      s = s + ~f
    end
    return s
  end)
  print("bnot error", ok, err)
end
