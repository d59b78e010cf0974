-- reserved words are not names; they work as string keys
local t = {["end"] = 1, ["while"] = 2, ["nil"] = 3}
print(t["end"], t["while"], t["nil"])
print(load("t.end = 1"))
print(load("local and = 1"))
print(load("local _ENV2, goto_ = 1, 2 return goto_")())
local _ = "underscore"
local _x1, X_, __ = 1, 2, 3
print(_, _x1, X_, __)
print(load("local function() end"))
print(load("x = 1 +"))
local Goto = "names are case sensitive: " .. tostring(Goto)
print(Goto)
