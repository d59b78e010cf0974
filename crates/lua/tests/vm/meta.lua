local V = {}
V.__index = V
V.__add = function(a, b) return setmetatable({x = a.x + b.x}, V) end
V.__sub = function(a, b) return "sub" end
V.__mul = function(a, b) return "mul" end
V.__div = function(a, b) return "div" end
V.__mod = function(a, b) return "mod" end
V.__pow = function(a, b) return "pow" end
V.__unm = function(a) return "unm" end
V.__idiv = function(a, b) return "idiv" end
V.__band = function(a, b) return "band" end
V.__bor = function(a, b) return "bor" end
V.__bxor = function(a, b) return "bxor" end
V.__shl = function(a, b) return "shl" end
V.__shr = function(a, b) return "shr" end
V.__bnot = function(a) return "bnot" end
V.__concat = function(a, b) return "concat" end
V.__len = function(a) return 42 end
V.__eq = function(a, b) return true end
V.__lt = function(a, b) return true end
V.__le = function(a, b) return false end
V.__call = function(self, a, b) return "called", a, b end
V.__tostring = function(s) return "V(" .. tostring(s.x) .. ")" end
function V.new(x) return setmetatable({x = x}, V) end
function V:get() return self.x end
local a, b = V.new(1), V.new(2)
print((a + b).x, a - b, a * 2, 2 / a, a % 1, a ^ 2, -a, a // 1, a & 1, 1 | a, a ~ a, a << 1, a >> 1, ~a)
print(a .. "s", "s" .. a, 1 .. a, a .. b, #a, a == b, a ~= b, a < b, a <= b, a > b, a >= b)
print(a(1, 2))
print(tostring(a), a:get())
print(a == a, rawequal(a, b))
-- __index chains
local base = {greet = function() return "hi" end}
local mid = setmetatable({}, {__index = base})
local top = setmetatable({}, {__index = mid})
print(top.greet(), top.missing)
local fi = setmetatable({}, {__index = function(t, k) return k .. "?" end})
print(fi.abc, fi[1])
-- __newindex
local log = {}
local ni = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v * 2) end})
ni.a = 5
print(ni.a)
local store = {}
local ni2 = setmetatable({}, {__newindex = store})
ni2.q = 1
print(rawget(ni2, "q"), store.q)
-- __index loop
local loop = setmetatable({}, {})
getmetatable(loop).__index = loop
print(pcall(function() return loop.x end))
-- __call chains
local c2 = setmetatable({}, {__call = setmetatable({}, {__call = function(...) return select('#', ...) end})})
print(pcall(c2, 1))
-- __eq only for tables both
local e1 = setmetatable({}, {__eq = function() return true end})
print(e1 == {}, e1 == 1)
-- __le no fallback to __lt
local l1 = setmetatable({}, {__lt = function() return true end})
print(pcall(function() return l1 <= l1 end))
-- __metatable
local p = setmetatable({}, {__metatable = "no"})
print(getmetatable(p), pcall(setmetatable, p, {}))
-- __name
local named = setmetatable({}, {__name = "MyType"})
print(type(tostring(named)))
print(pcall(function() return named + 1 end))
-- __close
do
  local x <close> = setmetatable({}, {__close = function(o, e) print("closing", e) end})
  local y <close> = setmetatable({}, {__close = function(o, e) print("closing y", e) end})
  print("in block")
end
print(pcall(function()
  local z <close> = setmetatable({}, {__close = function(o, e) print("closing z", e) end})
  error("boom")
end))
print(pcall(function() local w <close> = 42 end))
local function withclose()
  local a <close> = setmetatable({}, {__close = function() print("ret close") end})
  return "r1", "r2"
end
print(withclose())
-- __len on strings ignored, __index on strings via string metatable absent
print(#"abc")
-- __gc
local order = {}
for i = 1, 3 do setmetatable({}, {__gc = function() order[#order + 1] = i end}) end
collectgarbage()
collectgarbage()
print(#order, order[1], order[2], order[3])
-- weak tables
local wk = setmetatable({}, {__mode = "k"})
local wv = setmetatable({}, {__mode = "v"})
do
  local key = {}
  wk[key] = 1
  wv[1] = {}
  wv[2] = "str"
end
collectgarbage()
local cntk = 0 for _ in pairs(wk) do cntk = cntk + 1 end
print(cntk, wv[1], wv[2])
