-- string_build: string concatenation, string.format/tostring and table.concat. Argument: rounds (default 40).
local rounds = tonumber(arg and arg[1]) or 40
local total = 0
for r = 1, rounds do
  local parts = {}
  for i = 1, 20000 do
    parts[#parts + 1] = "item" .. i .. "=" .. (i * r) % 97 .. ";"
  end
  local s = table.concat(parts)
  local acc = ""
  for i = 1, 300 do acc = acc .. tostring(i % 10) end
  local line = string.format("%d:%s:%d", r, acc:sub(1, 10), #s)
  total = total + #s + #acc + #line
end
print(total)
