-- each iteration of a for loop has a fresh control variable copy
local fs = {}
for i = 1, 5 do fs[#fs + 1] = function() return i end end
local out = {}
for _, f in ipairs(fs) do out[#out + 1] = f() end
print(table.concat(out, " "))
fs = {}
for k, v in pairs({"a", "b", "c"}) do fs[k] = function() return k .. v end end
print(fs[1](), fs[2](), fs[3]())
-- modifying the loop variable does not affect iteration
local seen = {}
for i = 1, 3 do
  local before = i
  i = i * 10
  seen[#seen + 1] = before .. "->" .. i
end
print(table.concat(seen, " "))
-- closures in a repeat loop
fs = {}
local n = 0
repeat n = n + 1; local m = n; fs[n] = function() m = m + 1 return m end until n == 3
print(fs[1](), fs[1](), fs[2](), fs[3]())
-- float loop closures
fs = {}
for x = 0.5, 1.5, 0.5 do fs[#fs + 1] = function() return x end end
print(fs[1](), fs[2](), fs[3]())
