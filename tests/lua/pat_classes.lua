-- character classes and their complements over all bytes (C locale)
local classes = {"a", "c", "d", "g", "l", "p", "s", "u", "w", "x"}
for _, c in ipairs(classes) do
  local n, m = 0, 0
  local first
  for b = 0, 255 do
    local ch = string.char(b)
    if ch:find("%" .. c) then n = n + 1 first = first or b end
    if ch:find("%" .. c:upper()) then m = m + 1 end
  end
  print(c, n, m, first)
end
print(("\v"):find("%s"), ("\f"):find("%s"), ("_"):find("%w"), ("_"):find("%p"))
print(("[a-c]"):gsub("[%a]", "L"), ("abcxyz"):gsub("[b-y]", "."), ("a1-"):gsub("[^%d]", "N"))
print(("hello"):gsub("[^aeiou]", ""), ("A-Z"):gsub("[A%-]", "#"))
