-- error positions point at the line of the failing operation in multi-line expressions
local t = {}
local ok, e = pcall(function()
  local x = 1 +
    2 +
    t.missing
end)
print(e)
ok, e = pcall(function()
  local s = "a" ..
    "b" ..
    t.missing
end)
print(e)
ok, e = pcall(function()
  t
  .a
  .b = 1
end)
print(e)
ok, e = pcall(function()
  return t.f(
    1,
    2)
end)
print(e)
ok, e = pcall(function() return ({})[1][2] end)
print(e)
ok, e = pcall(function(...) local a, b = ... return a + b end, 1)
print(e)
ok, e = pcall(function() local s = "x" return s + 1 end)
print(e)
ok, e = pcall(function() return math.huge // 0 | 1 end)
print(e)
