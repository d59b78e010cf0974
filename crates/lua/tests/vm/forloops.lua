for i = 1, 3 do io = i end
local n = 0
for i = 10, 1, -3 do n = n + i end
print(n)
for i = 1.0, 2.0, 0.5 do print(i) end
for i = math_nil or 1, 0 do print("never") end
for i = 9223372036854775806, 9223372036854775807 do print(i) end
for i = -9223372036854775807, -9223372036854775808, -1 do print(i) end
local c = 0
for i = 1, 3.7 do c = c + 1 end
print(c)
for i = 3, 1.5, -1 do print("f", i) end
print(pcall(function() for i = 1, 10, 0 do end end))
print(pcall(function() for i = 1, "x" do end end))
print(pcall(function() for i = "a", 2 do end end))
print(pcall(function() for i = 1, 2, {} do end end))
for i = 1, 2, "1" do io = i end
local t = {}
for i = 1, 0x7ffffffffffffff0, 0x4000000000000000 do t[#t + 1] = i end
print(#t, t[1], t[2])
for i = 1, 1e308 * 10, 2^62 do t[#t + 1] = i; if #t > 10 then break end end
print(#t)
for k, v in next, {5, 6} do print(k, v) end
local function iter(s, i) if i < s then return i + 1, i * 2 end end
for a, b in iter, 3, 0 do print(a, b) end
