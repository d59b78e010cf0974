-- A class hierarchy with inheritance, super calls, class methods and tostring
local function class(parent)
  local c = {}
  c.__index = c
  if parent then setmetatable(c, {__index = parent}) end
  c.super = parent
  c.new = function(...)
    local o = setmetatable({}, c)
    if o.init then o:init(...) end
    return o
  end
  return c
end

local Shape = class()
function Shape:init(name) self.name = name; Shape.count = (Shape.count or 0) + 1 end
function Shape:area() return 0 end
function Shape:describe() return string.format("%s with area %.2f", self.name, self:area()) end
Shape.__tostring = function(s) return "Shape<" .. s.name .. ">" end

local Rect = class(Shape)
function Rect:init(w, h) Shape.init(self, "rect") self.w, self.h = w, h end
function Rect:area() return self.w * self.h end
Rect.__tostring = Shape.__tostring

local Square = class(Rect)
function Square:init(s) Rect.init(self, s, s) self.name = "square" end
Square.__tostring = function(s) return "Square(" .. s.w .. ")" end
Square.__eq = function(a, b) return a.w == b.w end
Square.__lt = function(a, b) return a:area() < b:area() end
Square.__le = function(a, b) return a:area() <= b:area() end

local Circle = class(Shape)
function Circle:init(r) Shape.init(self, "circle") self.r = r end
function Circle:area() return math.pi * self.r ^ 2 end

local shapes = {Rect.new(2, 3), Square.new(4), Circle.new(1), Square.new(2), Shape.new("blob")}
for _, s in ipairs(shapes) do print(s:describe()) end
print(tostring(shapes[1]), tostring(shapes[2]), Shape.count)
print(Square.new(3) == Square.new(3), Square.new(2) < Square.new(3), Square.new(3) <= Square.new(2))
table.sort(shapes, function(a, b) return a:area() < b:area() end)
local names = {}
for i, s in ipairs(shapes) do names[i] = s.name end
print(table.concat(names, " < "))
local function isinstance(o, c)
  local m = getmetatable(o)
  while m do if m == c then return true end m = m.super end
  return false
end
print(isinstance(shapes[1], Shape), isinstance(Square.new(1), Rect), isinstance(Circle.new(1), Rect))
-- method missing
print(pcall(function() return Circle.new(1):perimeter() end))
