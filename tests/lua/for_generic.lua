-- generic for: ipairs, pairs, custom stateless and stateful iterators
local t = {10, 20, 30, nil, 50}
for i, v in ipairs(t) do io.write(i, "=", v, " ") end print()
local keys = {}
for k in pairs({a = 1, b = 2, c = 3}) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys, ","))
local function range(n)
  return function(_, i) if i < n then return i + 1 end end, nil, 0
end
for i in range(4) do io.write(i, " ") end print()
local function chars(s)
  local i = 0
  return function() i = i + 1 if i <= #s then return i, s:sub(i, i) end end
end
for i, c in chars("lua") do io.write(i, c, " ") end print()
-- next directly
local m = {x = 1}
for k, v in next, m do print(k, v) end
-- ipairs respects __index (5.4)
local proxy = setmetatable({}, {__index = function(_, i) if i <= 3 then return i * i end end})
for i, v in ipairs(proxy) do io.write(v, " ") end print()
-- __pairs
local pp = setmetatable({}, {__pairs = function(self) return function(_, k) if not k then return 1, "one" end end, self, nil end})
for k, v in pairs(pp) do print("pairs mm", k, v) end
-- iterating while assigning existing fields is allowed
local u = {a = 1, b = 2, c = 3}
for k in pairs(u) do u[k] = nil end
print(next(u))
print(pcall(function() for x in 5 do end end))
print(pcall(function() for x in nil do end end))
print(pcall(next, {}, "nokey"))
