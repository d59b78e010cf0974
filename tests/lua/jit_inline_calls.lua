-- The tier-1 inline call sequence (compiled caller pushes the callee's frame), returns
-- completed by compiled code (RETURN0/RETURN1 wanting 0, 1 or all results), tail calls of
-- Lua functions from compiled code, and inline integer/float arithmetic (// % & | ~ and
-- mixed int/float operands). Each function runs many times so it is compiled in
-- adaptive mode too; the results must be those of the interpreter and PUC-Lua.

local N = 3000

-- Results wanted: 0, 1, 2 (nil-filled), all.
local function one(x) return x + 1 end
local function none() end
local function two(a, b) return a, b end
local acc = 0
for i = 1, N do
  one(i)                       -- 0 results of RETURN1
  local a = one(i)             -- 1
  local b, c = one(i)          -- 2: c nil
  local d = none()             -- RETURN0 wanting 1
  local t = {one(i)}           -- all
  local u = {none()}           -- RETURN0 wanting all
  assert(c == nil and d == nil and #u == 0)
  acc = acc + a + b + t[1] + #t
end
print("results", acc)

-- Arguments: missing parameters (nil-filled), extra arguments, arguments up to top.
local function three(a, b, c) return (a or 0) + (b or 0) + (c or 0) end
local function multi(i) return i, i * 2, i * 3 end
acc = 0
for i = 1, N do
  acc = acc + three(i) + three(i, i) + three(i, i, i, i, i) + three(multi(i)) + three(1, multi(i))
end
print("args", acc)

-- Deep non-tail recursion through compiled calls, then past the native-stack reserve.
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print("depth", depth(100), depth(10000), depth(150000))
local ok, err = pcall(function() local function inf(n) return 1 + inf(n + 1) end return inf(1) end)
print("overflow", ok, (string.gsub(err, "^.-:%d+: ", "")))

-- Tail calls: constant stack, to non-compiled functions, from vararg functions, with
-- upvalues to close, mixed with natives.
local function loop(n, a) if n == 0 then return a end return loop(n - 1, a + n) end
print("tail loop", loop(1000000, 0))
local function even(n) if n == 0 then return true end return odd(n - 1) end
function odd(n) if n == 0 then return false end return even(n - 1) end
print("even/odd", even(100001), even(100000))
local function va(...) local n = select("#", ...) if n == 0 then return "done" end return va(select(2, ...)) end
for _ = 1, N do assert(va(1, 2, 3, 4) == "done") end
print("vararg tail", va(1, 2, 3))
local fs = {}
local function mk(i) local x = i return function() return x end end
local function closer(i)
  local y = i * 2
  fs[#fs + 1] = function() return y end
  return mk(y)
end
acc = 0
for i = 1, N do acc = acc + closer(i)() end
print("close", acc, fs[1](), fs[N]())
local function tonat(s) return tostring(s) end
local function tolua(x) return one(x) end
acc = 0
for i = 1, N do acc = acc + #tonat(i) + tolua(i) end
print("mixed tail", acc)
local function compose(f, g) return function(x) return f(g(x)) end end
local h = compose(one, compose(one, one))
acc = 0
for i = 1, N do acc = acc + h(i) end
print("compose", acc)

-- Tail calls with all results of a call as arguments (`f(g(x))`, B = 0), many of them, too
-- few for the callee's parameters, from a frame the interpreter started, inside a coroutine,
-- and seen by debug.getinfo.
do
local function count(...) return select("#", ...) end
local function spread(t) return count(table.unpack(t)) end
local big = {}
for i = 1, 300 do big[i] = i end
acc = 0
for _ = 1, 200 do acc = acc + spread(big) end
for i = 1, 10 do acc = acc + spread({i, i}) end
print("spread", acc, spread({}), spread(big))
local function three(a, b, c) return tostring(a) .. tostring(b) .. tostring(c) end
local function few(x) return three(x) end
local function pair() return 1, 2 end
local function fromcall() return three(pair()) end
for _ = 1, 50 do few(1) fromcall() end
print("few", few(1), fromcall())
print("pcall tail", pcall(loop, 100, 0), select(2, pcall(spread, big)))
local cot = coroutine.wrap(function(n) return loop(n, 0) end)
print("coroutine tail", cot(1000))
local function istail() local ar = debug.getinfo(1, "t") return ar.istailcall end
local function calls_istail() return istail() end
for _ = 1, 50 do calls_istail() end
print("istailcall", calls_istail(), (istail()))
end

-- Errors and tracebacks through inline calls and tail calls.
local function bad(x) return x.field end
local function via(x) return bad(x) end
local function caller(x) local r = via(x) return r end
for _ = 1, N do caller({field = 1}) end
print(pcall(caller, nil))
print((select(2, xpcall(caller, debug.traceback, 7)):gsub("\n[^\n]*%[C%][^\n]*", "")))

-- Coroutines yielding from inline-called functions.
local function inner(i) coroutine.yield(i) return i * 10 end
local function outer(i) return inner(i) + inner(i + 1) end
local co = coroutine.wrap(function() local s = 0 for i = 1, 200 do s = s + outer(i) end return s end)
local ys, last = 0, nil
while true do local v = co() ys = ys + 1 if ys > 400 then last = v break end end
print("coroutine", ys, last)

-- Integer arithmetic: floor division and modulo signs, -1 and 0 divisors, minint.
local mi = math.mininteger
local out = {}
for i = 1, N do
  local a, b = (i % 17) - 8, (i % 7) - 3
  if b ~= 0 then
    out[#out + 1] = (a // b) + (a % b) * 100
  end
end
local s = 0
for _, v in ipairs(out) do s = s + v end
print("divmod", #out, s)
print("minint", mi // -1, mi % -1, 7 // -1, -7 % -1, 7 // 1)
for _, d in ipairs({0}) do
  print(pcall(function() return 1 // d end))
  print(pcall(function() return 1 % d end))
end
print("float", 7.5 // 2, -7.5 // 2, 7 // 2.0, 1 // 0.0, -1 // 0.0, 5.5 % 2, 1 / 0, 3 / 4)
acc = 0.0
for i = 1, N do
  local x = i * 0.5 + i         -- float + int
  local y = i / 3               -- int / int
  local z = (i + 0.25) // 1     -- float // int
  acc = acc + x + y + z + (i // 2.0)
end
print("mixed", string.format("%.6f", acc))

-- Bitwise: ints, floats with integer values (helper), errors.
acc = 0
for i = 1, N do acc = acc ~ ((i & 0xff) | (i << 3)) ~ (i ~ 0x5a5a) end
print("bits", acc, 6.0 & 3, 5 | 2.0, pcall(function() return 1.5 & 1 end))
print(pcall(function() local t = {} return t | 1 end))

-- Integer `//` and `%` by zero are unprotected in lvm.c: the error carries the line of the
-- last instruction that saved the pc (a table miss, a new key, an `__index` walk, a call).
local zero = 0
local tt = {}
local ut = setmetatable({}, {__index = {z = 1}})
local at = {1, 2, nil, 4}
local cases = {
  function(i) local x = i + 1 x = x // zero end,
  function(i) local y = tt[5]
    local x = i + 1 x = x // zero end,
  function(i) local y = tt.foo
    local x = i + 1 x = x // zero end,
  function(i) tt[i] = i
    local x = i + 1 x = x // zero end,
  function(i) tt.bar = i
    local x = i + 1 x = x % zero end,
  function(i) local y = ut.z
    local x = i + 1 x = x % zero end,
  function(i) tt.bar = i
    local x = i + 1 x = x % 0 end,
  -- a nil slot of the array part (no metatable): read and store are raw but save the pc
  function(i)
    local y = at[3]
    local x = i + 1 x = x // zero end,
  function(i)
    local y = at[i + 2]
    local x = i + 1 x = x // zero end,
  function(i)
    local s = {1, 2, nil, 4} s[3] = i
    local x = i + 1 x = x % zero end,
}
for n, f in ipairs(cases) do
  print("unprotected", n, pcall(function() for i = 1, 2 do f(i) end end))
  -- and again once the function is hot
  for _ = 1, 1100 do pcall(f, 1) end
  print("unprotected hot", n, pcall(function() for i = 1, 2 do f(i) end end))
end

-- Methods on strings (SELF on a string receiver follows the string metatable's `__index`).
local smt = getmetatable("")
local function bytes(s) local n = 0 for i = 1, #s do n = n + s:byte(i) end return n end
for _ = 1, 50 do bytes("hello") end
print("string self", bytes("hello"), ("abc"):upper(), pcall(function() return ("x"):nosuch() end))
local orig = smt.__index
smt.__index = setmetatable({shout = function(s) return s:upper() .. "!" end}, {__index = orig})
local function shout(s) return s:shout() .. s:rep(2) end
for _ = 1, 50 do shout("a") end
print("string chain", shout("hey"))
smt.__index = function(s, k) return function() return k .. "#" .. #s end end
print("string fn", shout("hey"))
smt.__index = nil
print("string none", pcall(shout, "hey"))
smt.__index = orig
print("string back", ("ok"):rep(2), bytes("AB"))
