-- bitwise metamethods
local B = {}
local function box(v) return setmetatable({v = v}, B) end
local function val(x) return type(x) == "table" and x.v or x end
B.__band = function(a, b) return box(val(a) & val(b)) end
B.__bor = function(a, b) return box(val(a) | val(b)) end
B.__bxor = function(a, b) return box(val(a) ~ val(b)) end
B.__shl = function(a, b) return box(val(a) << val(b)) end
B.__shr = function(a, b) return box(val(a) >> val(b)) end
B.__bnot = function(a) return box(~val(a)) end
local x = box(12)
print((x & 10).v, (x | 3).v, (x ~ 5).v, (x << 2).v, (x >> 2).v, (~x).v, (3 & x).v)
-- floats without integer representation use the metamethod if present
print(pcall(function() return (box(1) & 2.5).v end))
print(pcall(function() return (1.5 & box(3)).v end))
print(pcall(function() return 1.5 & 1 end))
print(pcall(function() return 1 & {} end))
