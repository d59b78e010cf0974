-- statements: assignment order, multiple assignment, while/repeat scoping, do blocks, semicolons
local a, b, c = 1, 2
print(a, b, c)
a, b = b, a
print(a, b)
local t = {}
local i = 1
i, t[i] = i + 1, 20
print(i, t[1], t[2])
;;; local x = 1; ; print(x);
local n = 0
while true do n = n + 1; if n > 5 then break end end
print("while", n)
local r = 0
repeat local done = r >= 3; r = r + 1 until done -- until sees body locals
print("repeat", r)
do local shadow = 1; do local shadow = 2; print("inner", shadow) end; print("outer", shadow) end
if false then print("no") elseif nil then print("no") elseif 0 then print("zero is true") else print("no") end
local function fact(k) if k <= 1 then return 1 end return k * fact(k - 1) end
print(fact(20), fact(21))
local obj = {v = 5}
function obj.get(self) return self.v end
function obj:twice() return self.v * 2 end
print(obj:get(), obj.twice(obj))
local mod = {sub = {}}
function mod.sub.f() return "nested name" end
print(mod.sub.f())
print(type(print), type(nil), type(2), type("x"), type({}), type(true))
-- return must be last statement
print(load("return 1 print(2)"))
print(type(load("do return end print('dead code allowed after block') ")))
