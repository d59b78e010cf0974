-- string_pattern: Lua patterns: lazy (-) and greedy quantifiers, captures, gmatch, gsub with
-- string/table/function replacements, anchored find. Argument: rounds (default 40).
local rounds = tonumber(arg and arg[1]) or 40
local lines = {}
for i = 1, 2000 do
  lines[i] = string.format("<item id=\"%d\" name=\"n%d\">value %d; key=%s</item>", i, i * 7, i * 13,
    ("k" .. i):rep(1 + i % 3))
end
local text = table.concat(lines, "\n")
local repl = {item = "entry", id = "ident"}
local checksum = 0
for r = 1, rounds do
  local n = 0
  -- lazy quantifiers
  for tag, body in text:gmatch("<(%w+).-=\"(.-)\"") do n = n + #tag + #body end
  for inner in text:gmatch(">(.-)<") do n = n + #inner end
  -- greedy classes and captures
  for k, v in text:gmatch("(%a+)=(%w+)") do n = n + #k + #v end
  -- gsub with string, table and function replacements
  local s1, c1 = text:gsub("value (%d+)", "v%1")
  local s2, c2 = text:gsub("%a+", repl)
  local _, c3 = text:gsub("%d+", function(d) return #d end)
  n = n + #s1 + c1 + #s2 + c2 + c3
  -- anchored and position captures
  local pos = 1
  while true do
    local s, e = text:find("^<item.-</item>\n?", pos)
    if not s then break end
    n = n + (e - s)
    pos = e + 1
  end
  checksum = (checksum + n * r) % 1000000007
end
print(checksum)
