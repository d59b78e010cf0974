-- C stack overflow: nesting through library calls
local function viaconcat(n)
  local mt = {}
  mt.__concat = function(a, b) return viaconcat(n + 1) end
  return setmetatable({}, mt) .. "x"
end
local ok, e = pcall(viaconcat, 1)
print(ok, e:match("stack overflow") ~= nil)
local function viatostring()
  local o = setmetatable({}, {__tostring = function(self) return tostring(self) end})
  return tostring(o)
end
ok, e = pcall(viatostring)
print(ok, e:match("stack overflow") ~= nil)
local function viasort()
  local t = {3, 2, 1}
  table.sort(t, function(a, b) viasort() return a < b end)
end
ok, e = pcall(viasort)
print(ok, e:match("stack overflow") ~= nil)
-- deeply nested pcall inside metamethods
local depth = 0
local mt = {}
mt.__index = function(t, k) depth = depth + 1 return setmetatable({}, mt)[k] end
ok, e = pcall(function() return setmetatable({}, mt).x end)
print(ok, e:match("stack overflow") ~= nil, depth > 100)
print("still alive")
