-- hash_table: tables keyed by strings (insert, lookup, update, delete). Argument: rounds (default 16).
local rounds = tonumber(arg and arg[1]) or 16
local keys = {}
for i = 1, 50000 do keys[i] = "key_" .. i .. "_" .. (i * 31 % 1000) end
local checksum = 0
for r = 1, rounds do
  local t = {}
  for i = 1, #keys do t[keys[i]] = i end
  local s = 0
  for i = #keys, 1, -1 do s = s + t[keys[i]] end
  for i = 1, #keys, 2 do t[keys[i]] = t[keys[i]] * 2 end
  for i = 1, #keys, 3 do t[keys[i]] = nil end
  local live = 0
  for _, v in pairs(t) do live = live + v % 7 end
  local misses = 0
  for i = 1, 20000 do if t["missing" .. i % 100] == nil then misses = misses + 1 end end
  checksum = (checksum + s + live + misses + r) % 1000000007
end
print(checksum)
