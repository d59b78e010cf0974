-- closure-based objects: bank account, memoized generators, shared state
local function account(balance)
  local history = {}
  local self = {}
  function self.deposit(n) balance = balance + n history[#history + 1] = "+" .. n return self end
  function self.withdraw(n)
    if n > balance then error("insufficient funds", 2) end
    balance = balance - n history[#history + 1] = "-" .. n return self
  end
  function self.balance() return balance end
  function self.history() return table.concat(history, " ") end
  return self
end
local acc = account(100)
acc.deposit(50).withdraw(30).deposit(5)
print(acc.balance(), acc.history())
print(pcall(acc.withdraw, 1000))
local acc2 = account(1)
print(acc2.balance(), acc.balance())
-- a function returning many closures over one variable
local function make(n)
  local fs = {}
  for i = 1, n do fs[i] = function(d) n = n + d return n end end
  return fs
end
local fs = make(3)
print(fs[1](10), fs[2](1), fs[3](0))
-- compose and curry
local function compose(f, g) return function(...) return f(g(...)) end end
local function curry(f) return function(a) return function(b) return f(a, b) end end end
local inc = function(x) return x + 1 end
local dbl = function(x) return x * 2 end
print(compose(inc, dbl)(5), compose(dbl, inc)(5), curry(math.max)(3)(7))
