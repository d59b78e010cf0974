-- collectgarbage("step", n) returns true iff the step finished a collection cycle (lapi.c
-- LUA_GCSTEP: the collector is back in its pause state). Only outcomes that do not depend on the
-- exact heap size are printed.

-- lua.c runs the collector in generational mode: a step never ends in the pause state
collectgarbage()
print("gen", collectgarbage("step", 0), collectgarbage("step", 0), collectgarbage("step", 1 << 20))

print("switch", collectgarbage("incremental"))
-- a basic step covers a whole cycle of a small heap
collectgarbage()
local r = {}
for i = 1, 5 do r[#r + 1] = tostring(collectgarbage("step", 0)) end
print("basic steps, small heap", table.concat(r, " "))
-- right after a cycle the collector is paused until the heap doubles: one KiB of debt does nothing
collectgarbage()
print("1 KiB after a cycle", collectgarbage("step", 1))
-- a large debt finishes the cycle (also when the collector is stopped)
print("large", collectgarbage("step", 100000), collectgarbage("step", 1 << 20))
collectgarbage("stop")
print("stopped", collectgarbage("step", 1 << 20), collectgarbage("isrunning"))
collectgarbage("restart")
-- the size is a C int: 2^32 KiB is a basic step
print("int cast", collectgarbage("step", 1 << 32))

-- a big heap takes several basic steps per cycle
local hold = {}
for i = 1, 100000 do hold[i] = {i} end
collectgarbage()
local first, seen = nil, 0
for i = 1, 40 do
  if collectgarbage("step", 0) then
    seen = seen + 1
    first = first or i
  end
end
print("big heap: first step finishes", first == 1, "several cycles in 40 steps", seen >= 3)
collectgarbage()
print("100 KiB after a cycle of a big heap", collectgarbage("step", 100))
hold = nil

-- a step that finishes a cycle has collected garbage and run finalizers
local log = {}
local weak = setmetatable({}, {__mode = "k"})
do
  local g = setmetatable({}, {__gc = function() log[#log + 1] = "finalized" end})
  weak[{}] = true
  g = nil
end
local before = collectgarbage("count")
local done = collectgarbage("step", 1 << 20)
print("cycle", done, table.concat(log, ","), next(weak) == nil, collectgarbage("count") <= before)
