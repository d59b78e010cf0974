-- pairs/next visit every key exactly once; array part in order; modifications of existing keys allowed
local t = {}
for i = 1, 10 do t[i] = i * i end
local order = {}
for k, v in ipairs(t) do order[#order + 1] = k end
print(table.concat(order, ","))
local h = {}
for i = 1, 50 do h["k" .. i] = i end
local seen, sum = 0, 0
for k, v in pairs(h) do seen = seen + 1 sum = sum + v h[k] = v * 2 end
print(seen, sum)
sum = 0
for _, v in pairs(h) do sum = sum + v end
print(sum)
local mixed = {1, 2, 3, x = "a", y = "b", [10] = 10, [2.5] = "f"}
local n = 0
for k in pairs(mixed) do n = n + 1 end
print(n)
local k, v = next(mixed)
local count = 0
while k ~= nil do count = count + 1 k, v = next(mixed, k) end
print(count)
-- clearing during traversal
for k in pairs(h) do h[k] = nil end
print(next(h))
