-- type, _G, _VERSION, rawequal, next, ipairs edge cases
print(_VERSION, _G._G == _G, _G.print == print, _ENV == _G)
print(type(type), pcall(type))
x_global = 5
print(_G.x_global, rawget(_G, "x_global"))
_G.y_global = 6
print(y_global)
local t = {1, 2, 3}
local k, v = next(t)
print(k, v, next(t, 3), next({}, nil))
local n = 0
for i, v in ipairs({1, 2, nil, 4}) do n = n + 1 end
print(n)
print((pcall(ipairs, nil)))
print((pcall(pairs, nil)))
print(pcall(next, nil))
print(rawequal("a", "a"), rawequal(1, 1.0), rawequal({}, {}))
print(pcall(rawequal, 1))
-- print calls tostring / __tostring
local T = setmetatable({}, {__tostring = function() return "T!" end})
print(T, 1, nil, false)
print()
print(pcall(print, setmetatable({}, {__tostring = function() return {} end})))
