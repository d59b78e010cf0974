-- jit_pairs: generic `for` over `next` and ipairs' iterator, which compiled code steps without
-- calling the library function for plain tables; every other case must still call it.

local function sum_pairs(t)
  local n, s = 0, 0
  for k, v in pairs(t) do n = n + 1 if type(v) == "number" then s = s + v end end
  return n, s
end
local function sum_ipairs(t)
  local n, s = 0, 0
  for i, v in ipairs(t) do n = n + 1 s = s + i * (type(v) == "number" and v or 1) end
  return n, s
end
local t = {}
for i = 1, 50 do t[i] = i end
for i = 1, 20 do t["k" .. i] = i * 100 end
t[70] = 7
for _ = 1, 1200 do sum_pairs(t) sum_ipairs(t) end
print("pairs", sum_pairs(t))
print("ipairs", sum_ipairs(t))
print("empty", sum_pairs({}), sum_ipairs({}))
print("holes", sum_ipairs({1, 2, nil, 4}))

-- Clearing fields during the traversal is allowed.
local c = {}
for i = 1, 30 do c[i] = i c["x" .. i] = i end
local seen = 0
for k in pairs(c) do c[k] = nil seen = seen + 1 end
print("clear", seen, next(c))

-- One, two and three loop variables; `next` called directly; explicit initial key.
local u = {10, 20, 30}
local acc = {}
for k in next, u do acc[#acc + 1] = k end
for k, v, z in next, u do acc[#acc + 1] = tostring(z) end
for k, v in next, u, 1 do acc[#acc + 1] = v end
print("forms", table.concat(acc, " "))

-- ipairs honours __index (5.4), a table with a metatable but no __index, and proxies.
local proxy = setmetatable({}, {__index = function(_, i) if i <= 4 then return i * i end end})
local plain_mt = setmetatable({5, 6, 7}, {})
print("index", sum_ipairs(proxy))
print("mt", sum_ipairs(plain_mt))

-- __pairs, and pairs over non-tables.
local custom = setmetatable({}, {__pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end})
for k, v in pairs(custom) do print("__pairs", k, v) end
print("string pairs", pcall(function() for k in pairs("abc") do end end))

-- Errors: an invalid key to next, a replaced next, a call hook seeing next.
print(pcall(function() for k in next, u, "nope" do end end))
local real_next = next
next = function(t, k) local a, b = real_next(t, k) return a, b end
local n = 0
for k in next, u do n = n + 1 end
next = real_next
print("replaced", n)
local calls = 0
debug.sethook(function() local i = debug.getinfo(2, "n") if i and i.name == "for iterator" then calls = calls + 1 end end, "c")
for k in pairs(u) do end
for i in ipairs(u) do end
debug.sethook()
print("hooked", calls)
