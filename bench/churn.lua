-- churn: build and drop a million small tables repeatedly; the memory benchmark (peak RSS stays
-- bounded when the collector keeps up). Argument: rounds (default 4).
local rounds = tonumber(arg and arg[1]) or 4
local checksum = 0
for r = 1, rounds do
  local live = {}
  for i = 1, 1000000 do
    local t = {i, r, x = i % 10}
    if i % 1000 == 0 then live[#live + 1] = t end
    checksum = (checksum + t[1] + t.x) % 1000000007
  end
  checksum = (checksum + #live) % 1000000007
end
print(checksum, math.floor(collectgarbage("count") / 1024) >= 0)
