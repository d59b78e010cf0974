-- To-be-closed variables in hot (compiled) code: TBC and CLOSE run in compiled code, their
-- __close handlers with it; errors, yields, break/goto/return out of the scope, and the
-- closing value of a generic for.

local log = {}
local function closer(tag)
  return setmetatable({}, {__close = function(_, err)
    log[#log + 1] = tag .. (err and (":" .. tostring(err)) or "")
  end})
end

-- A per-iteration to-be-closed variable in a hot loop.
local n = 0
for i = 1, 3000 do
  local c <close> = closer("c")
  n = n + i % 5
end
print("loop", n, #log, log[1], log[3000])

-- break, goto continue and return out of a scope with a to-be-closed variable.
log = {}
local function first_over(t, limit)
  for i = 1, #t do
    local c <close> = closer("f" .. i)
    if t[i] > limit then return i end
  end
  return nil
end
local t = {}
for i = 1, 2000 do t[i] = i end
local hits = 0
for k = 1, 40 do hits = hits + first_over(t, k * 40) end
print("return", hits, #log, log[1], log[#log])

log = {}
local count = 0
for i = 1, 3000 do
  local c <close> = closer("g")
  if i % 3 == 0 then goto continue end
  count = count + 1
  if i > 2990 then break end
  ::continue::
end
print("goto/break", count, #log)

-- Nested scopes close in reverse order.
log = {}
for i = 1, 1500 do
  local a <close> = closer("a")
  do
    local b <close> = closer("b")
  end
end
print("nested", #log, log[1], log[2], log[2999], log[3000])

-- An error in the loop body: __close sees it, the message keeps its line.
log = {}
local ok, err = pcall(function()
  for i = 1, 5000 do
    local c <close> = closer("e")
    if i == 4321 then error("boom at " .. i) end
  end
end)
print("error", ok, err, #log, log[#log])

-- An error raised by __close itself, in compiled code.
local bad = setmetatable({}, {__close = function() error("close failed") end})
ok, err = pcall(function()
  local s = 0
  for i = 1, 3000 do s = s + i end
  local x <close> = bad
  return s
end)
print("close error", ok, err)

-- A value that cannot be closed.
ok, err = pcall(function()
  for i = 1, 3000 do
    local v <close> = (i < 2500) and false or {}
  end
end)
print("non-closable", ok, err)

-- __close that yields, from a coroutine running compiled code.
local co = coroutine.wrap(function()
  local total = 0
  for i = 1, 3000 do
    local y <close> = setmetatable({}, {__close = function()
      if i % 1000 == 0 then coroutine.yield(i) end
    end})
    total = total + i
  end
  return "done", total
end)
print("yield", co(), co(), co(), co())

-- A generic for with a closing value, hot.
log = {}
local function range(n)
  local i = 0
  return function() i = i + 1 if i <= n then return i end end, nil, nil, closer("range")
end
local s = 0
for k = 1, 300 do
  for v in range(10) do s = s + v end
end
print("generic for", s, #log, log[300])
s = 0
for k = 1, 300 do
  for v in range(10) do
    if v == 5 then break end
    s = s + v
  end
end
print("generic for break", s, #log)
