local function gen(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i) end
    return "end"
  end)
end
local g = gen(3)
print(g(), g(), g(), g())
print(pcall(g))
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c, d = coroutine.yield(a + b)
  print("got", c, d)
  local e = coroutine.yield(c * d)
  return "done", e
end)
print(coroutine.status(co))
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 3, 4))
print(coroutine.resume(co, "x"))
print(coroutine.status(co))
print(coroutine.resume(co))
-- errors inside coroutines
local ec = coroutine.create(function() error("inside") end)
print(coroutine.resume(ec))
print(coroutine.status(ec))
local ec2 = coroutine.create(function() error({}) end)
print(type(select(2, coroutine.resume(ec2))))
-- wrap error gets position
local w = coroutine.wrap(function() error("werr") end)
print(pcall(w))
-- yield across pcall
local pc = coroutine.create(function()
  local ok, v = pcall(function()
    local x = coroutine.yield("from pcall")
    error("after " .. x)
  end)
  coroutine.yield(ok, v)
  return "fin"
end)
print(coroutine.resume(pc))
print(coroutine.resume(pc, "resume"))
print(coroutine.resume(pc))
-- yield across metamethod
local mt = {__index = function(t, k) return coroutine.yield(k) end}
local mc = coroutine.wrap(function() local t = setmetatable({}, mt) return "v=" .. t.key end)
print(mc())
print(mc("val"))
-- running / isyieldable
print(coroutine.isyieldable(), select(2, coroutine.running()))
local rc = coroutine.create(function() return coroutine.isyieldable(), select(2, coroutine.running()), coroutine.status(coroutine.running()) end)
print(coroutine.resume(rc))
-- resume self / normal
local outer
outer = coroutine.create(function()
  local inner = coroutine.create(function() return coroutine.status(outer), coroutine.resume(outer) end)
  return coroutine.resume(inner)
end)
print(coroutine.resume(outer))
print(pcall(coroutine.yield, 1))
-- close
local cc = coroutine.create(function()
  local x <close> = setmetatable({}, {__close = function() print("closed x") end})
  coroutine.yield(1)
end)
coroutine.resume(cc)
print(coroutine.close(cc), coroutine.status(cc))
print(coroutine.close(coroutine.create(print)))
local ce = coroutine.create(function() error("E") end)
coroutine.resume(ce)
print(coroutine.close(ce))
-- many coroutines
local total = 0
for i = 1, 2000 do
  local c = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end)
  total = total + c(i) + c(i)
end
print(total)
-- generators in for loops
local function range(n) return coroutine.wrap(function() for i = 1, n do coroutine.yield(i, i * i) end end) end
local s = 0
for i, sq in range(10) do s = s + sq end
print(s)
print(select('#', coroutine.resume(coroutine.create(function() return end))))
print(coroutine.resume(coroutine.create(function(...) return select('#', ...) end), nil, nil))
