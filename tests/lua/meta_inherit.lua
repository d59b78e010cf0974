-- __index with rawget/rawset/rawequal/rawlen bypassing metamethods
local mt = {__index = function() return "meta" end, __newindex = function() error("no writes") end,
  __eq = function() return true end, __len = function() return 99 end}
local a, b = setmetatable({}, mt), setmetatable({}, mt)
print(a.x, rawget(a, "x"))
rawset(a, "x", 1)
print(a.x, rawget(a, "x"))
print(a == b, rawequal(a, b), rawequal(a, a))
print(#a, rawlen(a), rawlen("four"))
print(pcall(rawlen, 5))
print(pcall(rawset, a, nil, 1))
print(pcall(rawget, "s", 1))
print(select("#", rawget(a, "nothing")))
