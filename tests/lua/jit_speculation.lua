-- jit_speculation: compiled code that knows register types (from constants, numeric for
-- loops, arithmetic results and the interpreter's type feedback) meets values of other types
-- after warm-up. Guards must leave to the interpreter at the exact instruction, entries must
-- check what the code assumes, and calls must forget what Lua code may have changed.

-- 1. Integer feedback, then floats, strings, overflow and metamethods.
local function addmul(a, b) return a * b + a - b end
local acc = 0
for i = 1, 3000 do acc = acc + addmul(i, 3) end
print("int", acc, math.type(acc))
print("float", addmul(1.5, 2), addmul(2, 0.25), addmul(1e308, 10), addmul(-0.0, 1))
print("string", addmul("3", "4"), addmul("0x10", 1), addmul("1.5", 2))
print("overflow", addmul(math.maxinteger, 2), addmul(math.mininteger, -1))
local V = setmetatable({}, {
  __add = function(a, b) return 5 end,
  __sub = function(a, b) return "sub" end,
  __mul = function(a, b) return 7 end,
})
print("meta", addmul(V, 2), addmul(2, V))
print("error", pcall(addmul, {}, 2))
print("error", pcall(addmul, 2, nil))

-- 2. A hot loop whose accumulator turns from integer to float midway (the guard fails; the
-- loop finishes in the interpreter or re-enters compiled code).
local s = 0
for i = 1, 5000 do
  if i == 4000 then s = s + 0.5 end
  s = s + i
end
print("acc", s, math.type(s))
local u = 0.0
for i = 1, 5000 do
  if i == 3000 then u = 7 end
  u = u * 1.0 + i
end
print("acc2", u, math.type(u))

-- 3. Float feedback, then integers and zeros: /, //, %, unary minus.
local function f(x, y) return x / y, x // y, x % y, -x end
for i = 1, 2000 do f(i + 0.5, 2.5) end
print(f(7, 2))
print(f(-7, 2))
print(f(7.5, -2))
print(pcall(f, 1, 0))
print(f(1.0, 0))
print(f(math.mininteger, -1))
print(f(-0.0, 1))

-- 4. Mixed feedback (integer register, float constant), then a float register.
local function g(n) return n * 0.5 + 1, n - 0.25 end
for i = 1, 2000 do g(i) end
print(g(3))
print(g(3.5))
print(g(-0.0))
print(math.type(g(2)), pcall(g, "x"))

-- 5. Locals changed by a closure (an open upvalue) and by debug.setlocal inside hot loops.
local function by_upvalue()
  local x = 0
  local function bump() x = x + 0.25 end
  for i = 1, 3000 do
    x = x + 1
    if i % 1000 == 0 then bump() end
  end
  return x, math.type(x)
end
print("upvalue", by_upvalue())
local function by_setlocal()
  local y = 1
  for i = 1, 3000 do
    y = y + 2
    if i == 2500 then debug.setlocal(1, 1, 0.5) end
  end
  return y, math.type(y)
end
print("setlocal", by_setlocal())
local function setter() debug.setlocal(2, 1, "10") end
local function by_callee()
  local z = 0
  for i = 1, 3000 do
    z = z + 1
    if i == 1500 then setter() end
  end
  return z, math.type(z)
end
print("callee", by_callee())

-- 6. Comparisons and numeric for loops on known types, including float loops and huge steps.
local function cmp(n)
  local c = 0
  for i = 1, n do
    local j = i * 2
    if j < 10 then c = c + 1 end
    if j <= 10 then c = c + 10 end
    if j == 10 then c = c + 100 end
    if i > 3 then c = c + 1000 end
  end
  for x = 0.5, n, 0.5 do
    if x == 1.5 then c = c + 0.5 end
    c = c - x
  end
  for k = math.maxinteger - 2, math.maxinteger do c = c + 1 end
  for k = 1, 10, math.maxinteger do c = c + 1 end
  for k = 3, 1, -1 do c = c + k end
  return c
end
local total = 0
for r = 1, 1500 do total = total + cmp(r % 7) end
print("cmp", total, cmp(6), cmp(0))

-- 7. Values of other types arriving through tables after warm-up.
local data = {}
for i = 1, 2000 do data[i] = i end
local function sum(t)
  local r = 0
  for i = 1, #t do r = r + t[i] * 2 - 1 end
  return r
end
for _ = 1, 3 do sum(data) end
print("sum", sum(data))
data[1000] = 0.5
print("sum", sum(data))
data[1500] = "3"
print("sum", sum(data))
data[1700] = setmetatable({}, {__mul = function() return 1 end})
print("sum", sum(data))
data[1800] = true
print("sum", pcall(sum, data))

-- 8. Knowledge kept across calls (registers the call does not write) meets debug.setlocal from
-- the callee, and a captured local changed through its upvalue.
local function sharp(f)
  local n = 0
  for i = 1, 100 do
    n = n + 1
    f(i)
    n = n * 3 % 1000
  end
  return n, math.type(n)
end
print("sharp", sharp(function(i) end))
print("sharp", sharp(function(i) if i == 50 then debug.setlocal(2, 2, 0.5) end end))
print("sharp", pcall(sharp, function(i) if i == 70 then debug.setlocal(2, 2, {}) end end))
local function captured()
  local m = 1
  local function set(v) m = v end
  for i = 1, 100 do
    m = m * 2 % 97
    if i == 60 then set(2.5) end
    m = m + 1
  end
  return m, math.type(m)
end
print("captured", captured())
for _ = 1, 30 do sharp(function(i) end) captured() end
print("sharp hot", sharp(function(i) if i == 99 then debug.setlocal(2, 2, -0.0) end end))
