-- coroutine.wrap as generators; errors propagate with position
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
end
local acc = {}
for v in gen(5) do acc[#acc + 1] = v end
print(table.concat(acc, " "))
-- permutations generator
local function permgen(a, n)
  n = n or #a
  if n <= 1 then coroutine.yield(a) else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
local out = {}
for p in coroutine.wrap(function() permgen({1, 2, 3}) end) do out[#out + 1] = table.concat(p) end
print(table.concat(out, " "))
local w = coroutine.wrap(function() error("inside wrap") end)
print(pcall(w))
local w2 = coroutine.wrap(function() error({code = 5}) end)
local ok, e = pcall(w2)
print(ok, type(e), e.code)
local w3 = coroutine.wrap(function() return 1 end)
w3()
print(pcall(w3))
-- producer / consumer
local producer = coroutine.create(function()
  for _, item in ipairs({"a", "b", "c"}) do coroutine.yield(item) end
  return nil
end)
while true do
  local _, item = coroutine.resume(producer)
  if not item then break end
  io.write(item, " ")
end
print(coroutine.status(producer))
