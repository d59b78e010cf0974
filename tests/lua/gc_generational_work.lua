-- a workload under generational and incremental modes gives the same results
local function work()
  local live = {}
  local sum = 0
  for i = 1, 10000 do
    local t = {i, tostring(i), {i * 2}}
    if i % 100 == 0 then live[#live + 1] = t end
    sum = sum + t[3][1]
  end
  return sum, #live, live[#live][2]
end
collectgarbage("generational")
print(work())
collectgarbage("incremental")
print(work())
collectgarbage("incremental", 150, 200, 13)
print(work())
collectgarbage("stop")
print(work())
collectgarbage("restart")
print(collectgarbage("isrunning"))
