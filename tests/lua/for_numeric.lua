-- numeric for: integer and float loops, steps, overflow safety, errors
local function collect(a, b, c)
  local t = {}
  if c then for i = a, b, c do t[#t + 1] = tostring(i) end
  else for i = a, b do t[#t + 1] = tostring(i) end end
  return table.concat(t, " ")
end
print(collect(1, 5))
print(collect(5, 1))
print(collect(5, 1, -2))
print(collect(1, 2, 0.5))
print(collect(1.0, 3))
print(collect(1, 3.5))
print(collect(0.1, 0.35, 0.1))
print(collect(math.maxinteger - 2, math.maxinteger))
print(collect(math.mininteger, math.mininteger + 2))
print(collect(math.mininteger + 2, math.mininteger, -1))
do local c = 0 for i = 1, math.huge do c = c + 1 if c == 3 then print("int loop with inf limit", i, math.type(i)) break end end end
do local c = 0 for i = 3, -math.huge, -1.5 do c = c + 1 if c == 3 then print("float loop to -inf", i) break end end end
print(collect(1, 0))
print(pcall(collect, 1, 10, 0))
print(pcall(collect, 1.0, 10, 0))
print(pcall(collect, "1", 2))
print(pcall(collect, 1, "x"))
print(pcall(collect, 1, 2, {}))
-- large steps don't overflow
local n = 0
for i = 1, math.maxinteger, math.maxinteger // 4 do n = n + 1 end
print(n)
n = 0
for i = -1, math.mininteger, math.mininteger do n = n + 1 end
print(n)
-- float limit with integer start
for i = 1, 2.9 do io.write(math.type(i), " ") end print()
-- loop body not executed if limit < start after conversion
for i = 1, 0.5 do print("never") end
for i = math.maxinteger, 1e100 do io.write("x") break end print()
