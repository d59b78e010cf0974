-- hooks are per thread (ldblib keeps them in a table keyed by thread)
local out = {}
local function rec(e, l)
  local i = debug.getinfo(2, "nl")
  out[#out + 1] = e .. " " .. tostring(i.name) .. " " .. tostring(l or i.currentline)
end
local co = coroutine.create(function(a)
  local b = coroutine.yield(a + 1)
  local c = b * 2
  return c
end)
debug.sethook(co, rec, "crl")
print(debug.gethook())
print(select(2, debug.gethook(co)))
print(coroutine.resume(co, 1))
print(coroutine.resume(co, 5))
debug.sethook(co)
print(debug.gethook(co))
for _, l in ipairs(out) do print(l) end
out = {}
-- a hook set on the main thread does not fire inside coroutines
debug.sethook(rec, "c")
local w = coroutine.wrap(function() return math.max(1, 2) end)
print(w())
debug.sethook()
for _, l in ipairs(out) do print(l) end
-- a coroutine setting its own hook
out = {}
local co2 = coroutine.wrap(function()
  debug.sethook(rec, "r")
  local s = string.rep("a", 2)
  debug.sethook()
  return s
end)
print(co2())
for _, l in ipairs(out) do print(l) end
