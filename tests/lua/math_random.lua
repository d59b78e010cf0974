-- math.random with a fixed seed is deterministic (xoshiro256**)
math.randomseed(42)
local t = {}
for i = 1, 5 do t[i] = math.random(1, 100) end
print(table.concat(t, " "))
math.randomseed(42)
local u = {}
for i = 1, 5 do u[i] = math.random(1, 100) end
print(table.concat(u, " ") == table.concat(t, " "))
math.randomseed(7, 3)
print(math.random(10), math.random(10), math.random(-5, 5), math.random(0))
math.randomseed(123)
local f = math.random()
print(f >= 0 and f < 1, math.type(f), string.format("%.10f", f))
print(math.random(3, 3), pcall(math.random, 3, 2))
print(pcall(math.random, 0.5))
print(pcall(math.random, 1, 2, 3))
math.randomseed(99)
print(math.random(math.mininteger, math.maxinteger))
print(math.random(1 << 40))
-- randomseed with floats
math.randomseed(1.0)
print(math.random(1000))
