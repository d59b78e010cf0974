local t = {}
for i = 1, 100 do t[i] = i end
print(#t, t[50], t[101])
t[50] = nil
print(t[49], t[50], t[51])
local h = {x = 1, y = 2, [1.0] = "one", [2.5] = "twofive"}
print(h.x, h.y, h[1], h[2.5], h[1.0])
local n = 0
for k, v in pairs(h) do n = n + 1 end
print(n)
print(pcall(function() local z = {} z[nil] = 1 end))
print(pcall(function() local z = {} z[0/0] = 1 end))
print(rawget(h, "x"), rawlen({1, 2, 3}), rawequal(h, h), rawequal(h, {}))
local s = {}
for i = 1, 10 do s[#s + 1] = i * 2 end
print(#s, s[10])
local keys = {}
for k in pairs({10, 20, 30}) do keys[#keys + 1] = k end
print(#keys, keys[1], keys[2], keys[3])
-- next with removal during traversal
local m = {}
for i = 1, 20 do m["k" .. i] = i end
local cnt = 0
for k, v in pairs(m) do m[k] = nil; cnt = cnt + 1 end
print(cnt, next(m))
-- constructor forms
local c = {1, 2, 3, nil, 5, x = "x", [10] = 10, (function() return 7, 8 end)()}
print(c[1], c[5], c.x, c[10], c[6], c[7])
local function three() return 1, 2, 3 end
local d = {three(), three()}
print(#d, d[4], d[5])
local e = {three(), (three())}
print(#e)
-- big constructor (SETLIST with EXTRAARG/many flushes)
local big = {1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60}
print(#big, big[60])
-- integer keys via float
local f = {}
f[1] = "a"; f[2.0] = "b"; f[2^53] = "big"
print(f[1.0], f[2], #f, f[2^53])
-- negative and zero keys
f[0] = "zero"; f[-1] = "neg"
print(f[0], f[-1], #f)
-- length of table with holes in hash part
local g = {}
g[1] = 1; g[2] = 2; g[3] = 3; g[5] = 5
print(#g == 3 or #g == 5)
print(next({}, nil), pcall(next, {}, "nokey"))
print(type(next), select("#", next({a = 1})))
