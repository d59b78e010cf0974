-- string.byte/char over all byte values, string comparison as unsigned bytes
local all = {}
for i = 0, 255 do all[#all + 1] = string.char(i) end
local s = table.concat(all)
print(#s, s:byte(1), s:byte(256), s:byte(-1), select("#", s:byte(1, -1)))
local sum = 0
for i = 1, #s do sum = sum + s:byte(i) end
print(sum)
print(string.char(s:byte(65, 70)))
print("\255" > "\1", "\128" > "\127", "a" < "a\0", "abc" < "abd", "" == "")
local sorted = {"b", "B", "a", "A", "\200", "1", " ", "ab", "a b"}
table.sort(sorted)
for i, v in ipairs(sorted) do sorted[i] = ("%q"):format(v) end
print(table.concat(sorted, " "))
