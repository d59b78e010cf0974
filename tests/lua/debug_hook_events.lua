-- debug.sethook: call/return/tail call/line/count events and their interplay, compared with lua5.4
local out = {}
local function rec(e, l)
  local i = debug.getinfo(2, "nSlrt")
  -- (where a C function keeps its results, ftransfer, is an implementation detail: not compared)
  local ft = i.what == "C" and "" or " ft=" .. i.ftransfer
  out[#out + 1] = string.format("%s %s %s %s %s%s nt=%d tail=%s", e, tostring(l),
    tostring(i.name), i.namewhat, i.what, ft, i.ntransfer, tostring(i.istailcall))
end
local function dump(title)
  print("== " .. title)
  for _, e in ipairs(out) do print(e) end
  out = {}
end

local function add(a, b) return a + b end
local function three() return 1, 2, 3 end
local function va(...) return select("#", ...), ... end
local function tc(x) return add(x, 1) end
local function tcn(x) return math.abs(x) end
local mt = {__index = function(t, k) return k .. "!" end, __add = function(a, b) return 7 end}
local obj = setmetatable({}, mt)

debug.sethook(rec, "cr")
add(1, 2)
three()
va(1, nil, 3)
tc(5)
tcn(-5)
local _ = obj.key
local _ = obj + 1
for _ in pairs({}) do end
pcall(error, "boom")
pcall(add, 1, 2)
debug.sethook()
dump("call/return")

-- return values are visible through ftransfer/ntransfer and debug.getlocal
local vals = {}
debug.sethook(function(e)
  local i = debug.getinfo(2, "nr")
  if e == "return" and i.name == "three" then
    for k = i.ftransfer, i.ftransfer + i.ntransfer - 1 do
      local name, v = debug.getlocal(2, k)
      vals[#vals + 1] = tostring(name) .. "=" .. tostring(v)
    end
  end
end, "r")
three()
debug.sethook()
print("three returns", table.concat(vals, " "))

-- line events: loops, returns to the caller's line, a function on one line
local function loop(n)
  local s = 0
  for i = 1, n do
    s = s + i
  end
  return s
end
local function oneline() local a = 1; local b = 2; return a + b end
debug.sethook(rec, "l")
loop(3)
oneline()
local w = 0
while w < 2 do w = w + 1 end
debug.sethook()
dump("lines")

-- line + call + return together
debug.sethook(rec, "crl")
loop(1)
debug.sethook()
dump("lines with calls")

-- count events alone and with lines
local n = 0
debug.sethook(function(e) n = n + 1 end, "", 1)
local z = 0
for i = 1, 10 do z = z + i end
debug.sethook()
print("count 1 events", n > 20)
local evs = {}
debug.sethook(function(e, l) evs[#evs + 1] = e end, "l", 3)
loop(2)
debug.sethook()
local c = {}
for _, e in ipairs(evs) do c[e] = (c[e] or 0) + 1 end
print("count+line", c.count ~= nil, c.line ~= nil)
print(debug.gethook())
debug.sethook(rec, "l", 5)
print(select(2, debug.gethook()), select(3, debug.gethook()))
debug.sethook()

-- a hook that removes itself on the first return
local seen = {}
debug.sethook(function(e)
  seen[#seen + 1] = e .. ":" .. tostring(debug.getinfo(2, "n").name)
  if e == "return" then debug.sethook() end
end, "cr")
add(1, 1)
add(2, 2)
print(table.concat(seen, " "), debug.gethook())

-- errors raised inside a hook propagate to the traced code
local fired = false
print(pcall(function()
  debug.sethook(function(e)
    if e == "call" and not fired then fired = true; error("in hook") end
  end, "c")
  add(1, 2)
end))
debug.sethook()
-- the hook function is named "hook '?'" in tracebacks and getinfo
local tb, hn
debug.sethook(function(e)
  local i = debug.getinfo(1, "n")
  hn = tostring(i.namewhat) .. " " .. tostring(i.name)
  tb = debug.traceback("tb", 1)
end, "c")
add(1, 2)
debug.sethook()
print(hn)
print(tb)

-- the running frame is intact after a return hook (results not clobbered)
debug.sethook(function() local a, b, c, d = 1, 2, 3, 4 end, "r")
local r1, r2, r3 = three()
local v1, v2, v3, v4 = va("x", "y", "z")
debug.sethook()
print(r1, r2, r3, v1, v2, v3, v4)

-- an uncaught error in a hook: the traceback names the hook
debug.sethook(function(e) error("hook failed") end, "l")
local never = 1
