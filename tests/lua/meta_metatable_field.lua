-- __metatable protects the metatable
local t = setmetatable({}, {__metatable = "locked"})
print(getmetatable(t))
print(pcall(setmetatable, t, {}))
local u = setmetatable({}, {__metatable = false})
print(getmetatable(u))
print(getmetatable("abc").__index == string)
print(getmetatable("abc").__metatable)
print(getmetatable(1), getmetatable(nil), getmetatable(print))
print(pcall(setmetatable, 1, {}))
print(pcall(setmetatable, {}, 1))
print(pcall(setmetatable, {}))
local plain = {}
print(setmetatable(plain, nil) == plain, getmetatable(plain))
local m = {}
print(setmetatable(plain, m) == plain, getmetatable(plain) == m)
