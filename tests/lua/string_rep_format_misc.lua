-- string.rep with separators, string.reverse/upper/lower on binary data, string.format('%q') round trip
local s = string.rep("ab", 3, "|")
print(s, #string.rep("x", 1000, ", "))
local bin = "\0\1\2\255"
print(bin:reverse():byte(1, -1))
print(("\200ABC\0def"):upper():byte(1, -1))
local weird = "line1\nline2\r\0\1\2\"\\\127\200end"
local q = string.format("%q", weird)
print(q)
print(load("return " .. q)() == weird)
for _, v in ipairs({0, -1, 1.5, math.huge, -math.huge, math.mininteger, math.maxinteger, 2^-1074}) do
  local qv = string.format("%q", v)
  io.write(qv, " -> ", tostring(load("return " .. qv)() == v), "  ")
end
print()
print(string.format("%q", "\r\n\t"))
