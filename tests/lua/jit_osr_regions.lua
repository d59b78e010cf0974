-- OSR regions: a proto made hot by the loops of its first call is compiled only for what the
-- hot loop can reach; the rest (definitions before the loop, earlier sibling loops) stays
-- interpreted, and the proto is compiled whole once calls (or outside loops) get hot. Also the
-- code trimmed by feedback: call sites that saw only natives or only Lua functions, SELF sites
-- that saw only tables, arithmetic that never mixed integers and floats, all later meeting
-- the other kind. Results must not depend on any of it.

-- A prologue that runs once (definitions), with upvalues and a to-be-closed variable alive
-- across the hot loop.
local closed = {}
local Point = {}
Point.__index = Point
function Point.new(x, y) return setmetatable({x = x, y = y}, Point) end
function Point:len2() return self.x * self.x + self.y * self.y end
local counter = 0
local function bump(n) counter = counter + n return counter end
local guard <close> = setmetatable({}, {__close = function() print("guard closed", counter) end})

-- The hot loop of the main chunk: its OSR region starts here.
local acc, pts = 0, {}
for i = 1, 5000 do
  pts[i] = Point.new(i % 7, i % 11)
  acc = acc + pts[i]:len2() + bump(1) % 3
end
print("loop 1", acc, counter, #pts)

-- A call site that saw only a native until the loop is compiled, then a Lua function.
local f = math.abs
local s1 = 0
for i = 1, 6000 do
  if i == 4000 then f = function(x) return x * 2 end end
  s1 = s1 + f(-i)
end
print("native then Lua", s1)

-- The other way round: only Lua functions, then natives (a fast native and a generic one).
local g = function(x) return x + 1 end
local s2 = 0
for i = 1, 6000 do
  if i == 3000 then g = math.floor end
  if i == 5000 then g = tostring end
  local r = g(i + 0.5)
  if type(r) == "number" then s2 = s2 + r else s2 = s2 + #r end
end
print("Lua then natives", s2)

-- A SELF site that saw only table receivers (raw hits), then one through __index, then a
-- string receiver.
local objs = {}
for i = 1, 10 do objs[i] = {name = "t" .. i, size = function(self) return #self.name end} end
local s3 = 0
for i = 1, 9000 do
  local o = objs[i % 10 + 1]
  if i > 6000 then o = Point.new(i, 1) end
  if i > 8000 then o = "string receiver" end
  if type(o) == "string" then s3 = s3 + o:len()
  elseif o.size then s3 = s3 + o:size()
  else s3 = s3 + o:len2() % 5 end
end
print("SELF kinds", s3)

-- Arithmetic that saw integers and floats apart, then mixed (the helper's conversions).
local s4, s5 = 0, 0.0
for i = 1, 7000 do
  local x = (i % 2 == 0) and i or i + 0.25
  if i > 5000 then s4 = s4 + 0.5 else s4 = s4 + i end
  s5 = s5 + x * 2
  if i > 6000 then s5 = s5 + i // 3 end
end
print("mixed", s4, s5, math.type(s4), math.type(s5))

-- A driver called once with two sibling loops: the second gets hot first, the first runs
-- interpreted in later calls until the driver is compiled whole.
local function driver(n, m)
  local a = 0
  for i = 1, m do a = a + i % 13 end
  local b = 0
  for i = 1, n do b = b + (i * 3) % 17 end
  return a, b
end
print("driver first", driver(20000, 10))
local ta, tb = 0, 0
for k = 1, 1500 do
  local a, b = driver(3, 4)
  ta, tb = ta + a, tb + b
end
print("driver again", ta, tb, driver(5, 3000))

-- Types changing inside compiled region code (guards fail, the region is recompiled).
local acc2 = 0
for i = 1, 20000 do
  if i == 10000 then acc2 = acc2 + 0.5 end
  acc2 = acc2 + 1
end
print("recompiled", acc2, math.type(acc2))

-- Errors raised in region code report their lines.
local ok, err = pcall(function()
  local t = {}
  for i = 1, 3000 do t[i] = i end
  local sum = 0
  for i = 1, 3001 do sum = sum + t[i] end
  return sum
end)
print("error", ok, err)

-- A loop whose body closes a per-iteration upvalue (CLOSE inside the region).
local fns = {}
for i = 1, 3000 do
  local v = i * 2
  fns[i] = function() return v end
end
print("upvalues", fns[1](), fns[1500](), fns[3000]())
print("end", counter)
