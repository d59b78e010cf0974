-- __concat, __len, __call, __tostring, __name
local C = setmetatable({}, {__concat = function(a, b)
  local function s(x) return type(x) == "table" and "<obj>" or tostring(x) end
  return s(a) .. "&" .. s(b)
end})
print(C .. "x", "x" .. C, 1 .. C, C .. C)
print("a" .. "b" .. C .. "d")
local L = setmetatable({}, {__len = function(t) return 7 end})
print(#L)
local F = setmetatable({}, {__call = function(self, a, b) return "called", type(a), b end})
print(F(1, 2))
print(pcall(F, "p"))
-- __call on a callable __call chain is not followed in 5.4? test a nested object
local G = setmetatable({}, {__call = F})
print(pcall(G, "g"))
local T = setmetatable({}, {__tostring = function() return "custom T" end})
print(T, tostring(T))
local Bad = setmetatable({}, {__tostring = function() return 42 end})
print(pcall(tostring, Bad))
local Named = setmetatable({}, {__name = "MyType"})
print((tostring(Named):gsub("0x%x+", "ADDR")))
print(pcall(function() return Named + 1 end))
print(pcall(function() return #Named .. "" end))
-- __call with method syntax
local obj = {fn = F}
print(obj:fn("m"))
