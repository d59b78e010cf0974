-- A Set class using operator metamethods
local Set = {}
Set.__index = Set
function Set.new(items) local s = setmetatable({items = {}, n = 0}, Set) for _, v in ipairs(items or {}) do s:add(v) end return s end
function Set:add(v) if not self.items[v] then self.items[v] = true self.n = self.n + 1 end return self end
function Set:has(v) return self.items[v] == true end
function Set:list() local l = {} for k in pairs(self.items) do l[#l + 1] = k end table.sort(l) return l end
Set.__len = function(s) return s.n end
Set.__add = function(a, b) local r = Set.new(a:list()) for _, v in ipairs(b:list()) do r:add(v) end return r end
Set.__mul = function(a, b) local r = Set.new() for _, v in ipairs(a:list()) do if b:has(v) then r:add(v) end end return r end
Set.__sub = function(a, b) local r = Set.new() for _, v in ipairs(a:list()) do if not b:has(v) then r:add(v) end end return r end
Set.__le = function(a, b) for k in pairs(a.items) do if not b:has(k) then return false end end return true end
Set.__lt = function(a, b) return a <= b and a.n < b.n end
Set.__eq = function(a, b) return a <= b and b <= a end
Set.__tostring = function(s) return "{" .. table.concat(s:list(), ", ") .. "}" end
Set.__concat = function(a, b) return tostring(a) .. tostring(b) end
local a, b = Set.new({1, 2, 3, 4}), Set.new({3, 4, 5})
print(tostring(a + b), tostring(a * b), tostring(a - b), tostring(b - a))
print(#a, #(a + b), a * b <= a, a <= b, Set.new({3}) < b, b < b, a == Set.new({4, 3, 2, 1}), a ~= b)
print(a .. b, "set: " .. tostring(Set.new()))
local words = Set.new()
for w in ("the cat and the hat and the bat"):gmatch("%a+") do words:add(w) end
print(#words, tostring(words))
