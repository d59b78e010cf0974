-- integer vs float printing, %.14g rules and string conversion consistency
for _, v in ipairs({0.1, 0.5, 1.5, 10.0, 1e10, 1e14, 1e15, 1e16, 1e17, 123456789012.0, 2^31, 2^32 + 0.5,
  1/7, 22/7, 1e-4, 1e-5, 0.00001234, 9007199254740993.0, -1.5e-7, 3.0e-310}) do
  io.write(tostring(v), " | ", v .. "", " | ", string.format("%.14g", v), "\n")
end
for _, v in ipairs({0, -0, 7, -7, 1000000, 1 << 40, math.maxinteger, math.mininteger}) do
  io.write(tostring(v), " ")
end
print()
print(tostring(3) == "3", tostring(3.0) == "3.0", tostring(-0.0) == "-0.0")
print(string.format("%5.1f|%-8d|%08.3f", 3.14159, 42, -3.5))
print(1e15, 1e15 + 1, 1e100, 2^53)
