-- closures: creating and calling closures, higher-order functions and callbacks. Argument: rounds (default 150).
local rounds = tonumber(arg and arg[1]) or 150
local function map(t, f) local r = {} for i = 1, #t do r[i] = f(t[i]) end return r end
local function filter(t, p) local r = {} for i = 1, #t do if p(t[i]) then r[#r + 1] = t[i] end end return r end
local function reduce(t, f, acc) for i = 1, #t do acc = f(acc, t[i]) end return acc end
local function compose(f, g) return function(x) return f(g(x)) end end
local function counter() local c = 0 return function(d) c = c + d return c end end
local data = {}
for i = 1, 20000 do data[i] = i end
local checksum = 0
for r = 1, rounds do
  local add_r = function(x) return x + r end
  local sq = function(x) return x * x % 10007 end
  local f = compose(sq, add_r)
  local mapped = map(data, f)
  local evens = filter(mapped, function(x) return x % 2 == 0 end)
  local sum = reduce(evens, function(a, b) return (a + b) % 1000000007 end, 0)
  local c = counter()
  for i = 1, 20000 do c(i % 4) end
  checksum = (checksum + sum + c(0)) % 1000000007
end
print(checksum)
