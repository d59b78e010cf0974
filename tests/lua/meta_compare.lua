-- __eq, __lt, __le
local C = {}
C.__eq = function(a, b) print("eq called") return a.k == b.k end
C.__lt = function(a, b) return a.k < b.k end
C.__le = function(a, b) return a.k <= b.k end
local function c(k) return setmetatable({k = k}, C) end
local a, b, a2 = c(1), c(2), c(1)
print(a == a2, a ~= a2, a == b, a == a)
print(a < b, a > b, a <= a2, a >= b, b > a)
-- __eq is not called for different types or raw-equal
print(a == 1, a == "x")
-- result is converted to boolean
local D = setmetatable({}, {__lt = function() return "yes" end, __le = function() return nil end, __eq = function() return 0 end})
local E = setmetatable({}, getmetatable(D))
print(D < E, D <= E, D == E, D ~= E)
-- __le does not fall back to __lt in 5.4
local O = {__lt = function() return true end}
local o1, o2 = setmetatable({}, O), setmetatable({}, O)
print(o1 < o2, pcall(function() return o1 <= o2 end))
-- mixed: table and number uses the metamethod
local N = setmetatable({}, {__lt = function(x, y) return type(x) == "number" end})
print(1 < N, N < 1)
