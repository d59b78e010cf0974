-- numbers converted to strings in concat and string functions
print(("x"):rep(2) .. 1 .. 2.0 .. -3)
print(string.len(12345), string.upper(1e3), string.sub(123456, 2, 3), string.rep(7, 3))
print(#tostring(1/3), (1/3) .. "")
print(string.byte(5), string.format("%s", 2^63))
local t = {1, 2.5, 3}
print(table.concat(t, ";"))
print(pcall(string.len, nil))
print(pcall(string.len, {}))
print(10 .. 20 == "1020", 1 .. "" == "1")
