-- error with levels and non-string values
local function lvl1() error("at level 1") end
local function lvl2() error("at level 2", 2) end
local function lvl0() error("no position", 0) end
local function caller() lvl2() end
print(pcall(lvl1))
print(pcall(caller))
print(pcall(lvl0))
print(pcall(error))
print(pcall(error, nil))
print(pcall(error, 42))
print(pcall(error, 4.5))
print(pcall(error, true))
local t = {code = 7}
local ok, e = pcall(error, t)
print(ok, e == t, e.code)
print(pcall(error, "msg", 3))
print(select("#", pcall(error)))
-- error with a table carrying __tostring
local E = setmetatable({}, {__tostring = function() return "E-object" end})
local ok2, e2 = pcall(error, E)
print(ok2, tostring(e2))
-- assert
print(pcall(assert, false))
print(pcall(assert, nil, "custom assert"))
print(select(2, pcall(assert, false, {1}))[1])
print(assert(1, 2, 3))
print(pcall(assert))
-- error position reflects the line of the call
local function where() error("here", 1) end
print(pcall(where))
