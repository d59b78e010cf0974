-- coroutine pipelines: producer -> filter -> consumer, and a scheduler of cooperative tasks
local function producer(n) return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end) end
local function filter(src, pred) return coroutine.wrap(function() for v in src do if pred(v) then coroutine.yield(v) end end end) end
local function map(src, f) return coroutine.wrap(function() for v in src do coroutine.yield(f(v)) end end) end
local out = {}
for v in map(filter(producer(30), function(x) return x % 3 == 0 end), function(x) return x * x end) do out[#out + 1] = v end
print(table.concat(out, " "))
local tasks, log = {}, {}
local function spawn(name, steps)
  tasks[#tasks + 1] = {name = name, co = coroutine.create(function()
    for i = 1, steps do log[#log + 1] = name .. i coroutine.yield() end
    return name .. " done"
  end)}
end
spawn("A", 3) spawn("B", 1) spawn("C", 2)
while #tasks > 0 do
  local i = 1
  while i <= #tasks do
    local t = tasks[i]
    local ok, res = coroutine.resume(t.co)
    if coroutine.status(t.co) == "dead" then log[#log + 1] = res table.remove(tasks, i) else i = i + 1 end
  end
end
print(table.concat(log, " "))
