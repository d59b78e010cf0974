-- table.insert/remove at boundaries and with #t == 0
local t = {}
table.insert(t, "a")
table.insert(t, 1, "b")
table.insert(t, #t + 1, "c")
print(table.concat(t, ","))
print(table.remove(t, 1), table.concat(t, ","))
print(table.remove(t, #t), table.concat(t, ","))
print(table.remove(t), #t, table.remove(t), #t)
local z = {[0] = "zero"}
print(table.remove(z, 0), z[0])
local n = {n = 1}
print(table.remove(n), #n)
local big = {}
for i = 1, 1000 do table.insert(big, i) end
for i = 1, 500 do table.remove(big, 1) end
print(#big, big[1], big[500])
for i = 1, 100 do table.insert(big, 1, -i) end
print(#big, big[1], big[100], big[101])
print(pcall(table.insert, {}, 3, "x"))
print(pcall(table.remove, {1, 2, 3}, 5))
print(table.remove({1, 2, 3}, 4))
