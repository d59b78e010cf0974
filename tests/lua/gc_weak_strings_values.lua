-- weak tables do not remove strings, numbers, booleans; functions and tables are collectable
local w = setmetatable({}, {__mode = "kv"})
w[1] = "string value"
w["key"] = 42
w[true] = false
w[2] = function() end
w[3] = {}
w[{}] = "table key"
local n1 = 0
for _ in pairs(w) do n1 = n1 + 1 end
collectgarbage()
local n2 = 0
for _ in pairs(w) do n2 = n2 + 1 end
print(n1, n2, w[1], w.key, w[true])
-- a value kept alive elsewhere stays
local alive = {}
w[4] = alive
collectgarbage()
print(w[4] == alive)
-- weak-keyed table with a value that refers to its own key is cleared (ephemeron)
local e = setmetatable({}, {__mode = "k"})
for i = 1, 10 do local k = {} e[k] = {k} end
collectgarbage()
print(next(e))
