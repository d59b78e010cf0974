-- __eq only for tables/userdata of the same type, result coerced, not called for rawequal values
local count = 0
local mt = {__eq = function(a, b) count = count + 1 return true end}
local a, b = setmetatable({}, mt), setmetatable({}, {__eq = function() count = count + 100 return false end})
print(a == b, b == a, count)
count = 0
print(a == a, count)
print(a == 1, a == "a", a == nil, count)
local c = {}
print(a == c, c == a, count)
print(a ~= c, count)
-- __eq with tables of different metatables uses first operand's then second's
local plain = {}
local eqonly = setmetatable({}, {__eq = function() return 1 end})
print(plain == eqonly, eqonly == plain)
