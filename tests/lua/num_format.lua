-- tostring / print of numbers exactly as Lua (%.14g, .0 suffix, inf, nan)
local vals = {1, -1, 1.0, -1.0, 0.0, -0.0, 0.1, 1/3, 2/3, 100.0, 1e14, 1e15, 1e16, 123456789012345678,
  1e100, -1e-100, 2^63, -2^63, 2^24, 1e300 * 1e10, -1e300 * 1e10, 3.14159265358979, 1e-5, 123.456,
  5e-324, 1.7976931348623157e308, 12345678901234.5, 0.1 + 0.2, 255 / 5, math.pi, -math.pi}
for i, v in ipairs(vals) do
  io.write(tostring(v), " ")
end
print()
print(0/0 ~= 0/0, tostring(0/0) == "-nan" or tostring(0/0) == "nan")
print(tostring(-(0/0)))
print(math.maxinteger, math.mininteger, math.maxinteger + 0.0, math.mininteger + 0.0)
print(string.format("%.14g", 0.1), string.format("%.17g", 0.1), string.format("%g", 1e20), string.format("%g", 100000), string.format("%g", 1000000))
print(1e15, 1e15 + 0.5, 2^50, 2^49 + 0.25)
print(7 // 2.0, 7 / 7, 3 % -2.0, -2^0)
