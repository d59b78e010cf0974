-- __index/__newindex functions receive the original table and key; rawset inside
local calls = {}
local base = setmetatable({}, {
  __index = function(t, k) calls[#calls + 1] = "index " .. tostring(k) return k end,
  __newindex = function(t, k, v) calls[#calls + 1] = "newindex " .. tostring(k) rawset(t, k, v * 2) end,
})
print(base.a, base[1], base[true])
base.x = 5
print(base.x, rawget(base, "x"))
base.x = 6 -- existing key: no metamethod
print(base.x)
print(table.concat(calls, ", "))
-- __index on a table with a __index table whose value is false
local t = setmetatable({}, {__index = {flag = false}})
print(t.flag, t.other)
-- __newindex when key exists in the __index table but not in the table
local proto = {v = 1}
local obj = setmetatable({}, {__index = proto, __newindex = function(t, k, v) rawset(t, k, "via newindex " .. v) end})
obj.v = 2
print(obj.v, proto.v)
-- integer and float keys reach __index normalized
local seen = {}
local n = setmetatable({}, {__index = function(_, k) seen[#seen + 1] = math.type(k) return nil end})
local _ = n[1], n[1.0], n[1.5], n[2^53]
print(table.concat(seen, " "))
