-- the string metatable: methods via :, indexing strings, coercion metamethods
local mt = getmetatable("")
print(type(mt), mt.__index == string)
print(("x"):rep(3), ("%d-%d"):format(1, 2), #("abc"):upper())
local s = "hello"
print(s.len == string.len, s.nonexistent)
-- extending string adds methods to all strings
function string.shout(str) return str:upper() .. "!" end
print(("hey"):shout())
-- arithmetic on strings goes through string metamethods
print("10" + 5, "3" * "4", "2" ^ "3", -"5", "9" // 2, "9" % 4, "1.5" + 1)
print(pcall(function() return "a" + 1 end))
print(pcall(function() return {} .. "x" end))
print(pcall(function() return ("x").y.z end))
print(pcall(function() local n = 5 return n:rep(2) end))
-- integers stay integers through string coercion
print(math.type("10" + 5), math.type("10" * 1.0), math.type("0x10" + 0))
-- comparison does not coerce
print("10" == 10, pcall(function() return "10" < 11 end))
