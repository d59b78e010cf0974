-- table.pack / table.unpack with holes and explicit ranges, varargs forwarding
local function f(...) return table.pack(...) end
local p = f(nil, 2, nil)
print(p.n, p[1], p[2], p[3])
print(table.unpack(p, 1, p.n))
local function forward(...) return f(...) end
print(forward(1, nil).n)
local function varg_len(...) local t = {...} return #t, select("#", ...) end
print(varg_len(1, 2, 3))
local function last(...) local n = select("#", ...) if n == 0 then return nil end return (select(n, ...)) end
print(last(1, 2, 3), last(), last(nil))
local function swap(a, b, ...) return b, a, ... end
print(swap(1, 2, 3, 4))
print(table.unpack({1, 2, 3}, -1, 1))
local big = {}
for i = 1, 200 do big[i] = i end
print(select("#", table.unpack(big)), (select(200, table.unpack(big))))
local function adjust() return 1, 2 end
local x, y, z = adjust()
print(x, y, z)
local a, b = (adjust())
print(a, b)
