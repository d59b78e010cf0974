-- Calls made by compiled code (jit/call.rs): Lua→Lua and Lua→native calls, results, errors,
-- tracebacks, yields and collection of suspended coroutines, deep recursion, __index chains.
-- Loops run past the tier-up thresholds so `--jit=on` compiles the callers too.

local function add(a, b) return a + b end
local function none() end
local function three() return 1, 2, 3 end
local function sum(n) local s = 0 for i = 1, n do s = add(s, i) end return s end
print(sum(5000))

-- Result counts: 0, 1, several, fewer than wanted, more than wanted, multret into a call.
local acc = 0
for i = 1, 3000 do
  local x = none()
  local a, b, c, d = three()
  local y = three()
  acc = acc + (x == nil and 1 or 0) + a + b + c + (d == nil and 1 or 0) + y + select("#", three())
end
print(acc)

-- Natives called from compiled code.
local t = {}
for i = 1, 3000 do t[#t + 1] = math.floor(i / 3) + math.max(i, 7) + string.byte("abc", i % 3 + 1) end
print(#t, t[1], t[3000])

-- Errors raised deep inside compiled calls: messages, levels, pcall/xpcall and tracebacks.
local function lvl3(x) if x > 2500 then error("deep " .. x) end return x end
local function lvl2(x) return lvl3(x) + 1 end
local function lvl1(x) local r = lvl2(x) return r end
local ok, e
for i = 1, 3000 do ok, e = pcall(lvl1, i) if not ok then break end end
print(ok, e)
print(xpcall(lvl1, function(m) return "handled: " .. m end, 2600))
local function bad(x) local n = nil return n + x end
local function callbad(x) local r = bad(x) return r end
for i = 1, 1100 do ok, e = pcall(callbad, i) end
print(ok, e)
print(select(2, xpcall(callbad, debug.traceback, 1)))

-- Calling a non-function from compiled code (named as the interpreter names it).
local holder = {}
for i = 1, 1100 do ok, e = pcall(function() return holder.missing(i) end) end
print(ok, e)

-- Deep recursion still ends in "stack overflow", not a crash or "C stack overflow".
local function down(n) return 1 + down(n + 1) end
ok, e = pcall(down, 1)
print(ok, (string.gsub(e, "^.-:%d+: ", "")))
local function depth(n) if n == 0 then return 0 end return 1 + depth(n - 1) end
print(depth(150000))

-- Yields through compiled callers and collection of suspended coroutines.
local function inner(x) local y = coroutine.yield(x) return y * 2 end
local function middle(x) local r = inner(x) return r + 1 end
local total = 0
for i = 1, 3000 do
  local co = coroutine.create(function(a) local r = middle(a) return r end)
  local _, v = coroutine.resume(co, i)
  total = total + v
  if i % 2 == 0 then
    local _, w = coroutine.resume(co, i)
    total = total + w
  elseif i % 3 == 0 then
    coroutine.close(co)
  end
end
collectgarbage() collectgarbage()
print(total)

-- __index chains (tables) and string methods reached from compiled code.
local Base = {} Base.__index = Base
function Base:get() return self.v end
local Mid = setmetatable({}, Base) Mid.__index = Mid
local Top = setmetatable({}, Mid) Top.__index = Top
local obj = setmetatable({v = 5}, Top)
local fnidx = setmetatable({}, {__index = function(_, k) return #k end})
local s = 0
for i = 1, 3000 do s = s + obj:get() + fnidx.abcd + (obj.nothing == nil and 1 or 0) + ("xy"):len() end
print(s)

-- A hook set by a function called from compiled code takes effect in the caller.
local lines = 0
local function sethook() debug.sethook(function() lines = lines + 1 end, "l") end
local function work()
  local x = 0
  for i = 1, 1200 do x = x + i end
  sethook()
  x = x + 1
  x = x + 2
  debug.sethook()
  return x
end
for _ = 1, 3 do work() end
print(lines > 0, work())
