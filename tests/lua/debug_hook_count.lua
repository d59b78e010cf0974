-- count events: the hook function's own instructions count toward the next event (luaG_traceexec
-- decrements the counter while hooks are suppressed), so the events fall as in lua5.4
local ev = {}
local function f(n) local s = 0 for i = 1, n do s = s + i end return s end
debug.sethook(function(e, l) ev[#ev+1] = e .. ":" .. tostring(l or debug.getinfo(2, "l").currentline) end, "", 4)
f(3)
debug.sethook()
print(table.concat(ev, " "))
ev = {}
debug.sethook(function(e, l) ev[#ev+1] = e .. ":" .. tostring(l) end, "l")
f(3)
debug.sethook()
print(table.concat(ev, " "))
ev = {}
debug.sethook(function(e) ev[#ev+1] = debug.getinfo(2, "l").currentline end, "", 1)
local t = {}
for i = 1, 3 do t[i] = i * 2 end
debug.sethook()
print(table.concat(ev, " "))
