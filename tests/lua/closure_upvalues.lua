-- closures sharing upvalues, counters, upvalues outliving their frame
local function counter()
  local n = 0
  return function() n = n + 1 return n end, function() return n end
end
local inc, get = counter()
inc(); inc()
print(get(), inc(), get())
local inc2 = counter()
print(inc2(), get())
-- two closures sharing one local, modified after creation
local x = 1
local function rx() return x end
x = 2
print(rx())
-- nested upvalues (upvalue of upvalue)
local function outer()
  local a = "a0"
  return function()
    return function() a = a .. "+" return a end
  end
end
local mid = outer()
local f1, f2 = mid(), mid()
print(f1(), f2(), f1())
-- parameter captured
local function adder(k) return function(v) return v + k end end
print(adder(10)(5), adder(-1)(1))
-- recursion through local function upvalue
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
-- closures in a while loop capture fresh locals each iteration
local fs = {}
local i = 1
while i <= 3 do local j = i fs[i] = function() return j end i = i + 1 end
print(fs[1](), fs[2](), fs[3]())
-- upvalue closed when block exits, captured by several closures
local getters, setters = {}, {}
for k = 1, 2 do
  local v = k * 100
  getters[k] = function() return v end
  setters[k] = function(nv) v = nv end
end
setters[1](7)
print(getters[1](), getters[2]())
