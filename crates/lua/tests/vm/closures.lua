local function counter()
  local n = 0
  return function() n = n + 1; return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
print(get())
local fs = {}
for i = 1, 3 do fs[i] = function() return i end end
print(fs[1](), fs[2](), fs[3]())
local gs = {}
local j = 0
while j < 3 do j = j + 1; local k = j; gs[j] = function() k = k + 10; return k end end
print(gs[1](), gs[1](), gs[2]())
local function outer()
  local x = 1
  local function mid()
    local function inner() x = x + 1; return x end
    return inner
  end
  return mid(), function() return x end
end
local i1, g1 = outer()
i1(); i1()
print(g1())
-- varargs
local function v(...)
  local a, b = ...
  return select('#', ...), a, b, ...
end
print(v())
print(v(1))
print(v(1, 2, 3))
print((v(1, 2, 3)))
local function pack(...) return {n = select('#', ...), ...} end
local p = pack(nil, nil, 3)
print(p.n, p[3])
local function tail(n) if n == 0 then return "done" end return tail(n - 1) end
print(tail(1000000))
local function sum(n, acc) if n == 0 then return acc end return sum(n - 1, acc + n) end
print(sum(100000, 0))
local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
print(deep(10000))
print(select('#', (function() end)()))
local function mr() return 1, 2, 3 end
local t = {mr(), mr()}
print(#t)
print(mr(), (mr()))
-- recursion through upvalue
local function fact(n) return n <= 1 and 1 or n * fact(n - 1) end
print(fact(20))
-- method calls
local obj = {v = 0}
function obj:add(n) self.v = self.v + n; return self end
obj:add(1):add(2)
print(obj.v)
-- goto
do
  local i = 1
  ::top::
  if i <= 3 then i = i + 1; goto top end
  print("goto", i)
end
for i = 1, 3 do
  for j = 1, 3 do
    if j == 2 then goto continue end
    io = j
    ::continue::
  end
end
print("loops done")
