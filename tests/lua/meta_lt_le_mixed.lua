-- __lt/__le between different types, string comparison, error messages
local V = {}
V.__lt = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  return x < y
end
V.__le = function(a, b)
  local x = type(a) == "table" and a.v or a
  local y = type(b) == "table" and b.v or b
  return x <= y
end
local function v(n) return setmetatable({v = n}, V) end
print(v(1) < v(2), v(2) < 1, 1 < v(2), v(3) <= 3, 3 >= v(4), v(1) > v(0))
print(pcall(function() return v(1) < "x" end))
print(pcall(function() return {} <= {} end))
print(pcall(function() return "a" < 1 end))
print(pcall(function() return 1 >= "a" end))
print(pcall(function() return nil < nil end))
print(pcall(function() return {} < 1 end))
print(pcall(function() return print <= 2 end))
