-- function definitions: local function recursion, global functions, methods, nested scopes
function globalfn(a) return "global " .. a end
print(globalfn(1), type(_G.globalfn))
local function localrec(n) return n == 0 and "bottom" or localrec(n - 1) end
print(localrec(10))
local notrec = function(n) return n end
local notrec = function(n) if n == 0 then return "shadowed" end return notrec(n - 1) end
print(notrec(3))
local a = {b = {c = {}}}
function a.b.c.deep(x) return "deep " .. x end
function a.b.c:meth(x) return self == a.b.c, x end
print(a.b.c.deep(1), a.b.c:meth(2))
local function outer()
  local function inner() return "inner" end
  return inner()
end
print(outer(), inner)
local function params(a, b, c) return a, b, c end
print(params(1), params(1, 2, 3, 4))
local function noreturn() end
print(noreturn(), select("#", noreturn()))
local function emptyret() return end
print(select("#", emptyret()))
