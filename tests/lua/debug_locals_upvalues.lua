-- debug.getlocal/setlocal, getupvalue/setupvalue, upvalueid/upvaluejoin
local function f(a, b, ...)
  local c = a + b
  local names = {}
  local i = 1
  while true do
    local n, v = debug.getlocal(1, i)
    if not n then break end
    names[#names + 1] = n .. "=" .. (type(v) == "table" and "table" or tostring(v))
    i = i + 1
  end
  print(table.concat(names, " "))
  print(debug.getlocal(1, -1), debug.getlocal(1, -2), debug.getlocal(1, -3))
  debug.setlocal(1, 3, 100)
  return c
end
print(f(1, 2, "va1", "va2"))
print(debug.getlocal(f, 1), debug.getlocal(f, 2), debug.getlocal(f, 3))
local x, y = 10, 20
local function g() return x + y end
print(debug.getupvalue(g, 1), debug.getupvalue(g, 2), debug.getupvalue(g, 3))
print(debug.setupvalue(g, 1, 5), g())
local function h() return y end
print(debug.upvalueid(g, 2) == debug.upvalueid(h, 1), debug.upvalueid(g, 1) == debug.upvalueid(h, 1))
debug.upvaluejoin(h, 1, g, 1)
print(h())
print(pcall(debug.getlocal, 100, 1))
print(debug.getupvalue(print, 1))
