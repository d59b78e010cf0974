-- arithmetic metamethods, operand order, fallback to the second operand
local V = {}
V.__index = V
local function vec(x, y) return setmetatable({x = x, y = y}, V) end
V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
V.__mul = function(a, b)
  if type(a) == "number" then return vec(a * b.x, a * b.y) end
  if type(b) == "number" then return vec(a.x * b, a.y * b) end
  return a.x * b.x + a.y * b.y
end
V.__div = function(a, b) return vec(a.x / b, a.y / b) end
V.__mod = function(a, b) return vec(a.x % b, a.y % b) end
V.__pow = function(a, b) return vec(a.x ^ b, a.y ^ b) end
V.__unm = function(a) return vec(-a.x, -a.y) end
V.__idiv = function(a, b) return vec(a.x // b, a.y // b) end
V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
local a, b = vec(1, 2), vec(3, 4)
print(tostring(a + b), tostring(a - b), a * b, tostring(2 * a), tostring(a * 3))
print(tostring(b / 2), tostring(b % 3), tostring(a ^ 2), tostring(-a), tostring(b // 2))
-- metamethod with a number on the left
local log = {}
local M = setmetatable({}, {__add = function(x, y) log[#log + 1] = type(x) .. "+" .. type(y) return "sum" end})
print(1 + M, M + 1, "s" + M)
print(table.concat(log, " "))
-- no metamethod: error names the type
print(pcall(function() return a + {} end))
print(pcall(function() return {} + a end))
print(pcall(function() return vec(1,1) & 1 end))
-- __unm receives the operand twice
local seen
local U = setmetatable({}, {__unm = function(x, y) seen = rawequal(x, y) return "neg" end})
print(-U, seen)
-- metamethods on strings that look like numbers still convert
print("2" * "3", "10" / 4, -"2", "7" // 2, "7" % "4", "2" ^ 2)
