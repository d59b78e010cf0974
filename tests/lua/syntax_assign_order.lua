-- evaluation order of assignments and function arguments
local log = {}
local function v(x) log[#log + 1] = tostring(x) return x end
local t = {}
t[v(1)], t[v(2)] = v("a"), v("b")
print(table.concat(log, " "), t[1], t[2])
log = {}
local function f(...) return select("#", ...) end
print(f(v(1), v(2), v(3)), table.concat(log, " "))
local a = {}
local i = 1
i, a[i] = i + 1, "set"
print(i, a[1], a[2])
local x, y = 1
print(x, y)
local p, q = (function() return 1, 2, 3 end)()
print(p, q)
local m, n, o = 1, (function() return 2, 3 end)()
print(m, n, o)
local g1, g2 = (function() return 2, 3 end)(), 10
print(g1, g2)
-- swap via multiple assignment
local s1, s2, s3 = 1, 2, 3
s1, s2, s3 = s3, s1, s2
print(s1, s2, s3)
