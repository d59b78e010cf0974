-- setmetatable returns its first argument; metatables can be shared and changed later
local mt = {}
local a = setmetatable({}, mt)
local b = setmetatable({}, mt)
print(getmetatable(a) == getmetatable(b))
mt.__index = {shared = "yes"}
print(a.shared, b.shared)
mt.__index = nil
print(a.shared)
setmetatable(a, nil)
print(getmetatable(a), getmetatable(b) == mt)
-- a metatable can be its own __index
local self_mt = {greet = "hello"}
self_mt.__index = self_mt
print(setmetatable({}, self_mt).greet)
-- a metatable with a metatable
local deep = setmetatable({}, {__index = setmetatable({}, {__index = {found = "deep value"}})})
print(deep.found)
-- changing __index in the middle of use
local counter = setmetatable({}, {__index = function(_, k) return k * 2 end})
print(counter[21])
getmetatable(counter).__index = function(_, k) return k * 3 end
print(counter[21])
