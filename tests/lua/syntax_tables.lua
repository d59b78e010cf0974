-- table constructors: positional, named, bracketed keys, trailing separators, nested
local t = {1, 2, 3; x = "x", ["y z"] = 5, [10] = "ten", 4,}
print(#t, t[4], t.x, t["y z"], t[10])
local u = {[1] = "a", [2] = "b", "c"}
print(u[1], u[2])
local nested = {a = {b = {c = "deep"}}}
print(nested.a.b.c)
local function three() return 1, 2, 3 end
local v = {three(), three()}
print(#v, v[1], v[2], v[4])
local w = {three(), (three())}
print(#w)
local e = {}
print(next(e), #e)
local f = {[1.0] = "float key one", [2^53] = "big"}
print(f[1], f[math.tointeger(2^53)])
print(pcall(function() local x = {[nil] = 1} end))
print(pcall(function() local x = {[0/0] = 1} end))
local g = {n = nil}
print(g.n, next(g))
