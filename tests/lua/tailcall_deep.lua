-- proper tail calls: 1,000,000-deep tail recursion does not grow the stack
local function loop(n, acc)
  if n == 0 then return acc end
  return loop(n - 1, acc + 1)
end
print(loop(1000000, 0))
-- mutual tail recursion
local is_even, is_odd
function is_even(n) if n == 0 then return true end return is_odd(n - 1) end
function is_odd(n) if n == 0 then return false end return is_even(n - 1) end
print(is_even(300001), is_odd(300001))
-- tail call through a method and through a vararg function
local obj = {}
function obj:count(n) if n == 0 then return "done" end return self:count(n - 1) end
print(obj:count(200000))
local function va(n, ...) if n == 0 then return select("#", ...) end return va(n - 1, ...) end
print(va(100000, 1, 2, 3))
-- tail call of a __call object
local callable = setmetatable({}, {__call = function(self, n) if n == 0 then return "callable done" end return self(n - 1) end})
print(callable(100000))
-- non-tail recursion is limited: deep non-tail recursion overflows
local function deep(n) if n == 0 then return 0 end return 1 + deep(n - 1) end
print(deep(10000))
