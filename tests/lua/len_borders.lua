-- the # operator: strings, sequences, borders, __len
print(#"", #"abc", #"\0\0", #{}, #{1, 2, 3}, #{nil}, #{1, nil, 3} >= 1)
local t = {}
for i = 1, 100 do t[i] = i end
print(#t)
t[101] = 1
print(#t)
t[#t] = nil
t[#t] = nil
print(#t)
local s = {n = 1, [1] = "a", [2] = "b"}
print(#s)
local u = setmetatable({}, {__len = function() return 42 end})
print(#u, rawlen(u))
local v = setmetatable({1, 2}, {__len = function(x) return "len" end})
print(#v)
print(pcall(function() return #nil end))
print(pcall(function() return #5 end))
print(pcall(function() local n = 3 return #n end))
-- border of a table with holes: any border is valid, check property
local h = {1, 2, 3, nil, 5, nil, nil, 8}
local b = #h
print((b == 0 or h[b] ~= nil) and h[b + 1] == nil)
-- table built backwards
local r = {}
for i = 10, 1, -1 do r[i] = i end
print(#r)
