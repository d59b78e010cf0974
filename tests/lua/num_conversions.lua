-- string <-> number coercions (manual §3.4.3)
print("10" + 1, "10" + 1.0, "3.5" * 2, "0x10" + 0, " 7 " * 1, "1e2" + 0)
print(math.type("10" + 1), math.type("10.0" + 1), math.type("1e1" + 0))
print(10 .. "", 1.5 .. "", -0.0 .. "", 1e100 .. "", 2^63 .. "")
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return {} + 1 end))
print(pcall(function() return "1" + "x" end))
print("10" == 10, "10" < "9", 10 < 9)
print(pcall(function() return "10" < 9 end))
-- floats with exact integer values convert for bitwise ops
print(3.0 | 0, pcall(function() return "3" | 0 end))
print(pcall(function() return 3.5 | 0 end))
print(pcall(function() return "3.5" | 0 end))
print(pcall(function() return 2^63 | 0 end))
print(pcall(function() return "abc" | 0 end))
-- integer-valued floats as table keys normalize
local t = {}
t[1.0] = "a"; t[2] = "b"
print(t[1], t[2.0], #t)
-- string to integer keeps integers exact
print("9007199254740993" + 0, "9223372036854775807" + 0, "9223372036854775808" + 0)
print(math.tointeger(3.0), math.tointeger(3.5), math.tointeger("8"), math.tointeger(2^63))
print(tonumber("  0x1p4  "), tonumber("1e"), tonumber(""), tonumber("  "), tonumber("0x"), tonumber("1 2"))
print(tonumber("inf"), tonumber("nan"), tonumber(".5"), tonumber("5."), tonumber("-.5e1"))
