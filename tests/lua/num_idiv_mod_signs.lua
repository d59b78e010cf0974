-- floor division and modulo for every sign combination, integers and floats
local vals = {7, -7, 3, -3}
for _, a in ipairs({7, -7, 7.5, -7.5}) do
  local row = {}
  for _, b in ipairs({3, -3, 3.0, -2.5}) do
    row[#row + 1] = string.format("%s//%s=%s %s%%%s=%s", a, b, a // b, a, b, a % b)
  end
  print(table.concat(row, "  "))
end
print(0 // 5, 0 % -5, -0.0 // 1, 0.0 % -1, 1 % math.mininteger, -1 % math.mininteger, math.mininteger % math.maxinteger)
print(5 // 0.5, 5 % 0.5, 5.25 % 0.5, -5.25 % 0.5, 1e308 % 3, 3 % 1e308, -3 % 1e308)
