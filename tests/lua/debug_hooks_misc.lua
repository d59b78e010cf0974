-- debug.sethook/gethook, getmetatable/setmetatable, getregistry, uservalue
local lines = {}
local function traced(n)
  local s = 0
  for i = 1, n do s = s + i end
  return s
end
debug.sethook(function(ev, line) lines[#lines + 1] = line end, "l")
traced(2)
debug.sethook()
print(#lines > 0, debug.gethook())
local calls = 0
debug.sethook(function(ev) if ev == "call" then calls = calls + 1 end end, "c")
traced(1); traced(1)
debug.sethook()
print("calls", calls >= 2)
local count = 0
debug.sethook(function() count = count + 1 end, "", 100)
for i = 1, 10000 do end
debug.sethook()
print("count hook fired", count > 10)
print(debug.getmetatable("").__index == string)
local t = {}
debug.setmetatable(t, {__index = function() return "dbg" end})
print(t.x)
print(type(debug.getregistry()))
print(debug.getuservalue(t), debug.getuservalue(1, 1))
local old = debug.getmetatable(1)
debug.setmetatable(1, {__index = function(n, k) return n * 2 end})
print((5).double)
debug.setmetatable(1, old)
print(pcall(function() return (5).x end))
