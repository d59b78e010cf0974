-- table.concat converts numbers like tostring, rejects other types, honours ranges
print(table.concat({1, 2, 3}))
print(table.concat({1.0, -0.0, 1e100, 2^63, math.mininteger}, " "))
print(table.concat({"a", "b"}, 3))
print(table.concat({}, ",", 1, 0), table.concat({"x"}, ",", 1, 1))
print(pcall(table.concat, {true}))
print(pcall(table.concat, {"a"}, ",", 1, 2))
print(pcall(table.concat, {}, {}))
local parts = {}
for i = 1, 1000 do parts[i] = i % 10 end
print(#table.concat(parts), table.concat(parts):sub(1, 20))
