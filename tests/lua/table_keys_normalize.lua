-- table keys: integer/float normalization, string vs number keys, boolean keys, -0.0
local t = {}
t[1] = "int"; t["1"] = "str"; t[1.5] = "float"; t[true] = "bool"; t[-0.0] = "negzero"
print(t[1], t[1.0], t["1"], t[1.5], t[true], t[0], t[0.0], t[false])
t[2^53] = "big float key"
print(t[math.tointeger(2^53)], t[9007199254740992])
local n = 0
for k, v in pairs(t) do n = n + 1 end
print(n)
local keys = {}
for k in pairs({[1] = 1, [2.0] = 2, [3] = 3}) do keys[#keys + 1] = math.type(k) end
print(table.concat(keys, " "))
print(#{[1] = 1, [2.0] = 2, [3] = 3})
local s = {}
s[math.maxinteger] = "max"; s[math.mininteger] = "min"; s[math.maxinteger + 0.0] = "maxf"
print(s[math.maxinteger], s[math.mininteger], s[2^63])
