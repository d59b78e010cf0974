-- string.dump produces a binary chunk that load accepts; mode checks; truncation errors
local function add(a, b) return a + b end
local bin = string.dump(add)
print(type(bin), bin:sub(1, 4) == "\27Lua", bin:byte(5))
local f = load(bin, "dumped", "b")
print(f(2, 3))
print(load(bin, "dumped", "t"))
print(load("return 1", "src", "b"))
print(pcall(string.dump, print))
local stripped = string.dump(function(x) return x * 2 end, true)
print(load(stripped)(21))
local ok, err = load(bin:sub(1, 20), "cut", "b")
print(ok, err:find("truncated", 1, true) ~= nil)
-- load sets the first upvalue of a dumped function to the globals table
local up = 10
local function useup() return up end
local g = load(string.dump(useup))
print(g() == _G)
-- functions with constants of every kind survive the round trip
local function consts() return 1, 2.5, "str", true, nil, 2^63, math.mininteger end
print(load(string.dump(consts))())
