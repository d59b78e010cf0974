-- collectgarbage("count") grows with allocation and shrinks after collection; step makes progress
collectgarbage()
local base = collectgarbage("count")
local hold = {}
for i = 1, 20000 do hold[i] = {i} end
local grown = collectgarbage("count")
print(grown > base + 100)
hold = nil
collectgarbage()
print(collectgarbage("count") < grown)
print("step returns", type(collectgarbage("step", 0)), type(collectgarbage("step", 10)))
print(math.type(collectgarbage("count")))
