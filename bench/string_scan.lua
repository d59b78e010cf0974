-- string_scan: string.byte, string.sub and plain string.find over a large text. Argument: rounds (default 80).
local rounds = tonumber(arg and arg[1]) or 80
local words = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do"}
local buf = {}
for i = 1, 40000 do buf[i] = words[(i * 7) % #words + 1] end
local text = table.concat(buf, " ")
local checksum = 0
for r = 1, rounds do
  local vowels = 0
  for i = 1, #text, 3 do
    local b = text:byte(i)
    if b == 97 or b == 101 or b == 105 or b == 111 or b == 117 then vowels = vowels + 1 end
  end
  local found, pos = 0, 1
  while true do
    local s, e = text:find("sit", pos, true)
    if not s then break end
    found = found + 1
    pos = e + 1
  end
  local subs = 0
  for i = 1, #text - 5, 97 do if text:sub(i, i + 4) == "lorem" then subs = subs + 1 end end
  checksum = (checksum + vowels * r + found + subs) % 1000000007
end
print(#text, checksum)
