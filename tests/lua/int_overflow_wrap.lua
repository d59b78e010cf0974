-- integer arithmetic wraps around (two's complement)
local max, min = math.maxinteger, math.mininteger
print(max + 1, min - 1, max * 2, min * -1, -min, max + max)
print(max // -1, min // 1, min // -1, min % -1, max % min)
print(1 << 62, (1 << 62) * 2, (1 << 62) * 4)
local acc = 1
for i = 1, 70 do acc = acc * 3 end
print(acc)
local h = 0
for c in ("hash me please"):gmatch(".") do h = h * 31 + c:byte() end
print(h)
print(math.abs(min), min < 0, -min < 0)
print(string.format("%d %x", max, min))
print(tostring(max):len(), tostring(min):len())
