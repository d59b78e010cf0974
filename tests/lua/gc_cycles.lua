-- cycles are collected
local weak = setmetatable({}, {__mode = "v"})
do
  local a, b = {}, {}
  a.other = b; b.other = a
  weak[1] = a; weak[2] = b
  local self = {}
  self.self = self
  weak[3] = self
  local f
  f = function() return f end
  weak[4] = f
  local mt = {}
  mt.__index = setmetatable({}, mt)
  weak[5] = setmetatable({}, mt)
end
collectgarbage()
print(weak[1], weak[2], weak[3], weak[4], weak[5])
-- closures holding each other through upvalues
local w2 = setmetatable({}, {__mode = "k"})
for i = 1, 100 do
  local g, h
  g = function() return h end
  h = function() return g end
  w2[g] = true
end
collectgarbage()
print(next(w2))
-- churn: allocate many cycles, memory stays bounded
collectgarbage()
local base = collectgarbage("count")
for i = 1, 200000 do local x = {}; x.y = {x = x} end
collectgarbage()
print(collectgarbage("count") < base * 2 + 500)
