-- __call receives the object first, then the arguments; multiple results; nested
local mt = {__call = function(self, ...) return self.name, select("#", ...), ... end}
local o = setmetatable({name = "obj"}, mt)
print(o())
print(o(1, nil, 3))
print(pcall(o, "x"))
local t = {o(1, 2)}
print(#t)
-- a __call that is itself a callable table
local inner = setmetatable({}, {__call = function(self, a, b) return "inner got", type(a), b end})
local outer = setmetatable({}, {__call = inner})
print(pcall(outer, "arg"))
-- calling a table without __call
print(pcall(function() local x = {} x() end))
print(pcall(function() local x = setmetatable({}, {}) return x(1) end))
-- __call used by generic for
local iter = setmetatable({i = 0}, {__call = function(self) self.i = self.i + 1 if self.i <= 3 then return self.i end end})
for v in iter do io.write(v, " ") end print()
