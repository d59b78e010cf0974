-- error messages mention metamethods in tracebacks; errors raised from metamethods carry their position
local mt = {}
mt.__add = function(a, b) return a.value + b end
mt.__index = function(t, k) local data = rawget(t, "data") return data[k] end
local obj = setmetatable({}, mt)
print(pcall(function() return obj + 1 end))
print(pcall(function() return obj.x end))
mt.__lt = function(a, b) return #a < #b end
print(pcall(function() return obj < obj end))
mt.__concat = function(a, b) return a .. "!" end
print(pcall(function() return obj .. "s" end) == false)
mt.__call = function(self, x) return x.y end
print(pcall(obj, nil))
print(pcall(obj, 5))
