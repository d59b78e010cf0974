-- __index / __newindex chains through tables and functions
local base = {greet = function() return "hi from base" end, x = 1}
local mid = setmetatable({y = 2}, {__index = base})
local top = setmetatable({z = 3}, {__index = mid})
print(top.x, top.y, top.z, top.greet(), top.missing)
local calls = 0
local fnidx = setmetatable({}, {__index = function(t, k) calls = calls + 1 return k .. "!" end})
print(fnidx.a, fnidx[1], calls)
print(rawget(fnidx, "a"))
-- __newindex to a table
local store = {}
local proxy = setmetatable({}, {__newindex = store})
proxy.a = 10
print(rawget(proxy, "a"), store.a)
-- __newindex function
local log = {}
local obs = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v); rawset(t, k, v) end})
obs.p = 1; obs.p = 2; obs.q = 3
print(table.concat(log, ","), obs.p)
-- existing keys bypass __newindex
-- chain of __newindex tables
local final = {}
local chain = setmetatable({}, {__newindex = setmetatable({}, {__newindex = final})})
chain.k = "v"
print(final.k)
-- __index on strings via string metatable
print(("abc").len == string.len, ("abc"):len())
-- read-only table
local ro = setmetatable({}, {__index = {a = 1}, __newindex = function(t, k) error("read-only: " .. k, 2) end})
print(pcall(function() ro.b = 2 end))
-- __index depth (long chain)
local t = {v = "end of chain"}
for i = 1, 50 do t = setmetatable({}, {__index = t}) end
print(t.v)
-- __index loop detection
local loop1, loop2 = {}, {}
setmetatable(loop1, {__index = loop2}); setmetatable(loop2, {__index = loop1})
print(pcall(function() return loop1.x end))
