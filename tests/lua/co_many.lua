-- thousands of live coroutines
local cos = {}
for i = 1, 5000 do
  cos[i] = coroutine.create(function(x) local y = coroutine.yield(x + 1) return y * 2 end)
end
local sum = 0
for i = 1, #cos do local _, v = coroutine.resume(cos[i], i) sum = sum + v end
print(sum)
for i = 1, #cos do local _, v = coroutine.resume(cos[i], i) sum = sum + v end
print(sum, coroutine.status(cos[1]))
-- deep resume nesting is bounded
local function nest(n)
  local co = coroutine.create(function() return nest(n + 1) end)
  local ok, e = coroutine.resume(co)
  if not ok then return e end
  return e
end
local msg = nest(1)
print(msg:match("stack overflow") ~= nil)
