-- table.sort with default and custom comparators, errors
local t = {5, 2, 8, 1, 9, 3}
table.sort(t)
print(table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local words = {"pear", "Apple", "fig", "banana"}
table.sort(words)
print(table.concat(words, " "))
table.sort(words, function(a, b) return #a < #b end)
print(words[1], words[4])
local recs = {}
for i = 1, 100 do recs[i] = {k = (i * 37) % 101, i = i} end
table.sort(recs, function(a, b) return a.k < b.k end)
local ok = true
for i = 2, 100 do if recs[i - 1].k > recs[i].k then ok = false end end
print("sorted", ok, recs[1].k, recs[100].k)
print(pcall(table.sort, {1, "x", 2}))
print(pcall(table.sort, {3, 2, 1}, function(a, b) error("cmp fails") end))
local bad = {}
for i = 1, 50 do bad[i] = i % 7 end
print(pcall(table.sort, bad, function(a, b) return true end))
local mixed = {3.5, 1, 2.25, -1, math.huge, -math.huge}
table.sort(mixed)
print(table.concat(mixed, " "))
local big = {}
for i = 1, 10000 do big[i] = (i * 7919) % 10007 end
table.sort(big)
print(big[1], big[5000], big[10000])
print(pcall(table.sort, {1, 2}, 3))
