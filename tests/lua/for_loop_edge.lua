-- numeric for: loop variable type, limit evaluation once, float precision, huge counts
local function f() print("limit evaluated") return 3 end
for i = 1, f() do io.write(i, " ") end print()
for i = 1.0, 3 do io.write(math.type(i), " ") end print()
for i = 1, 3.0 do io.write(math.type(i), " ") end print()
for i = 3, 1, -1.0 do io.write(i, " ") end print()
local n = 0
for i = 0, 1, 0.1 do n = n + 1 end
print("0..1 step 0.1 iterations:", n)
n = 0
for i = math.maxinteger - 10, math.maxinteger, 3 do n = n + 1 end
print(n)
n = 0
for i = math.mininteger, math.mininteger + 10, 5 do n = n + 1 end
print(n)
for i = -3, -1 do io.write(i, " ") end print()
for i = 1, -1 do print("never") end
for i = 1.5, 1.4 do print("never") end
n = 0
for i = 1, 3 do n = n + 1 end
print(n)
for i = 9007199254740992, 9007199254740994 do io.write(i, " ") end print()
for i = 2^53, 2^53 + 4, 2 do io.write(string.format("%.0f", i), " ") end print()
