-- tail calls: results pass through, tail call in various positions is or is not a tail call
local function id(...) return ... end
local function tc(...) return id(...) end
print(tc(1, 2, 3))
print(select("#", tc()))
local function notail(x) return (id(x, 2)) end
print(notail(1))
-- tail call to a C function
local function tcprint(s) return string.upper(s) end
print(tcprint("tail to C"))
-- tail call with a different number of args
local function many(...) return select("#", ...) end
local function few(a) return many(a, a, a, a, a) end
print(few(1))
-- a long chain of different functions in tail position
local fns = {}
for i = 1, 100 do fns[i] = function(n) if i == 100 then return n end return fns[i + 1](n + 1) end end
print(fns[1](0))
-- tail calls in a loop of 500000 iterations via trampolined state machine
local state = {}
function state.a(n) if n == 0 then return "a" end return state.b(n - 1) end
function state.b(n) if n == 0 then return "b" end return state.c(n - 1) end
function state.c(n) if n == 0 then return "c" end return state.a(n - 1) end
print(state.a(500000), state.a(500001), state.a(500002))
-- debug.traceback shows tail calls
local function t3() return debug.traceback("tb", 1) end
local function t2() return t3() end
print((t2():gsub("\n[^\n]*%[C%][^\n]*", "")))
