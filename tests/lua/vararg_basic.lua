-- varargs, select, multiple results adjustment
local function count(...) return select("#", ...) end
print(count(), count(nil), count(nil, nil), count(1, nil, 3, nil))
local function pass(...) return ... end
print(pass(1, 2, 3))
print(pass(pass(1, 2), pass(3, 4)))
print(select(2, "a", "b", "c"), select(-1, "a", "b", "c"), select(-3, "a", "b", "c"))
print(pcall(select, 0, "a"))
print(pcall(select, -4, "a", "b", "c"))
print(select(5, "a", "b"))
print(select("#"))
local function first(a) return a end
print(first(pass(9, 8, 7)))
local function tail(a, ...) return ... end
print(tail(1, 2, 3))
local function vat(...) local a, b = ... return a, b end
print(vat(1), vat(1, 2, 3))
local function tbl(...) local t = {...} return #t, t[1], t[#t] end
print(tbl(5, 6, 7))
local function withn(...) local t = {n = select("#", ...), ...} return t.n end
print(withn(nil, nil, nil))
-- vararg in the middle of a list is truncated to one value
local function three() return 1, 2, 3 end
print(three(), three())
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return s
end
print(sum(1, 2, 3, 4, 5, 6, 7, 8, 9, 10))
-- many values
local function many(n) if n == 0 then return end return n, many(n - 1) end
print(count(many(200)), select(200, many(200)))
-- main chunk varargs
print(select("#", ...))
-- string.format with varargs
print(string.format("%s-%s-%s", pass("x", "y", "z")))
