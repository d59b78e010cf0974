-- which math functions return integers and which return floats
local function t(...) local r = {} for i = 1, select("#", ...) do local v = select(i, ...) r[i] = tostring(v) .. "(" .. (math.type(v) or type(v)) .. ")" end return table.concat(r, " ") end
print(t(math.floor(2.5), math.floor(-2.5), math.floor(2), math.floor(2^62), math.floor(2^63), math.floor(-2^63)))
print(t(math.ceil(2.5), math.ceil(-2.5), math.ceil(2^70)))
print(t(math.abs(-2), math.abs(-2.0), math.max(1, 2.0), math.max(2.0, 1), math.min(1, 1.0)))
print(t(math.fmod(7, 3), math.fmod(7.0, 3), math.fmod(-7, 3), math.fmod(7, -3)))
print(t(math.modf(2.5), math.modf(-2.5), math.modf(3)))
print(t(math.sqrt(4), math.exp(0), 2^2, 10 / 2, 7 // 2, 7.0 // 2))
print(t(math.tointeger(3.0), math.tointeger(3), math.tointeger("3"), math.tointeger(3.5)))
print(t(math.random and 1 or 0, math.ult(1, 2)))
