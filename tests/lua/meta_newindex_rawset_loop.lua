-- __newindex with proxies: tracking assignments, default values, read-only views, counting
local function track(t)
  local proxy, log = {}, {}
  setmetatable(proxy, {
    __index = t,
    __newindex = function(_, k, v) log[#log + 1] = tostring(k) .. ":" .. tostring(t[k]) .. "->" .. tostring(v) t[k] = v end,
    __len = function() return #t end,
    __pairs = function() return next, t, nil end,
  })
  return proxy, log
end
local data = {1, 2, 3}
local p, log = track(data)
p[1] = 10; p[4] = 4; p.name = "x"; p[1] = 11
print(table.concat(log, " "), #p, data[1], rawget(p, 1))
local n = 0
for k, v in pairs(p) do n = n + 1 end
print(n)
local function defaults(d) return setmetatable({}, {__index = function() return d end}) end
local counts = defaults(0)
for w in ("a b a c b a"):gmatch("%a") do counts[w] = counts[w] + 1 end
print(counts.a, counts.b, counts.c, counts.z)
local function readonly(t)
  return setmetatable({}, {__index = t, __newindex = function(_, k) error("attempt to update a read-only table (key " .. tostring(k) .. ")", 2) end, __len = function() return #t end})
end
local days = readonly({"Mon", "Tue"})
print(days[1], #days, pcall(function() days[3] = "Wed" end))
